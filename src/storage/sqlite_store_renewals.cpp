// ARI (RFC 9773) and CRL reads and writes, on the same connection and lock as the rest.
#include "storage/sqlite_store.hpp"

namespace cobble::storage {
namespace {
using common::fail;
using Lock = std::lock_guard<std::mutex>;
using Mode = sql::Transaction::Mode;
}  // namespace

Result<std::vector<RevokedRecord>> SqliteStore::list_revoked(TimePoint expiring_after) {
  Lock lock(mu_);
  auto cursor = statement(
      "SELECT serial, revoked_at, revocation_reason, issuer FROM certificates "
      "WHERE revoked_at IS NOT NULL AND not_after > ? ORDER BY serial");
  if (!cursor) return std::unexpected(cursor.error());
  sql::Statement& row = **cursor;
  row.bind(1, to_micros(expiring_after));
  std::vector<RevokedRecord> revoked;
  while (true) {
    auto found = row.step();
    if (!found) return std::unexpected(found.error());
    if (!*found) return revoked;
    revoked.push_back({row.text(0), from_micros(row.int64(1)), static_cast<int>(row.int64(2)), row.text(3)});
  }
}

Result<std::vector<OrderRecord>> SqliteStore::find_orders_replacing(const std::string& serial) {
  Lock lock(mu_);
  auto tx = sql::Transaction::begin(db_, Mode::deferred);
  if (!tx) return std::unexpected(tx.error());
  std::vector<std::string> ids;
  {
    auto cursor = statement("SELECT id FROM orders WHERE replaces_serial = ? ORDER BY seq");
    if (!cursor) return std::unexpected(cursor.error());
    sql::Statement& row = **cursor;
    row.bind(1, serial);
    while (true) {
      auto found = row.step();
      if (!found) return std::unexpected(found.error());
      if (!*found) break;
      ids.push_back(row.text(0));
    }
  }
  std::vector<OrderRecord> orders;
  for (const auto& id : ids) {
    auto order = load_order(writer_, id);
    if (!order) return std::unexpected(order.error());
    orders.push_back(std::move(*order));
  }
  return orders;
}

Result<void> SqliteStore::set_renewal_info(const std::string& serial, const std::string& response,
                                           TimePoint at) {
  Lock lock(mu_);
  auto tx = sql::Transaction::begin(db_);
  if (!tx) return std::unexpected(tx.error());
  {
    auto cursor = statement("SELECT 1 FROM certificates WHERE serial = ?");
    if (!cursor) return std::unexpected(cursor.error());
    auto found = (*cursor)->bind(1, serial).step();
    if (!found) return std::unexpected(found.error());
    if (!*found) return fail(std::errc::no_such_file_or_directory, "certificate " + serial + " not found");
  }
  auto written = execute(
      "INSERT INTO renewal_info_overrides (serial, response, set_at) VALUES (?, ?, ?) "
      "ON CONFLICT (serial) DO UPDATE SET response = excluded.response, set_at = excluded.set_at",
      serial, response, to_micros(at));
  if (!written) return std::unexpected(written.error());
  return tx->commit();
}

Result<std::string> SqliteStore::find_renewal_info(const std::string& serial) {
  Lock lock(mu_);
  auto cursor = statement("SELECT response FROM renewal_info_overrides WHERE serial = ?");
  if (!cursor) return std::unexpected(cursor.error());
  auto found = (*cursor)->bind(1, serial).step();
  if (!found) return std::unexpected(found.error());
  if (!*found) return fail(std::errc::no_such_file_or_directory, "no renewal info set for " + serial);
  return (*cursor)->text(0);
}

}  // namespace cobble::storage
