#include "storage/sqlite_store.hpp"

namespace cobble::storage {

Result<std::vector<std::int64_t>> SqliteStore::insert_bulk(const BulkRows& rows) {
  std::lock_guard<std::mutex> lock(mu_);
  auto tx = sql::Transaction::begin(db_);
  if (!tx) return std::unexpected(tx.error());
  std::vector<std::int64_t> account_ids;
  account_ids.reserve(rows.accounts.size());
  for (const AccountRecord& account : rows.accounts) {
    auto id = insert_account_row(account);
    if (!id) return std::unexpected(id.error());
    account_ids.push_back(*id);
  }
  for (const BulkOrder& order : rows.orders) {
    if (auto inserted = insert_order_rows(order.order, order.new_authzs); !inserted)
      return std::unexpected(inserted.error());
  }
  for (const ValidationAttemptRecord& attempt : rows.attempts) {
    if (auto inserted = insert_attempt_row(attempt); !inserted) return std::unexpected(inserted.error());
  }
  if (auto committed = tx->commit(); !committed) return std::unexpected(committed.error());
  return account_ids;
}

}  // namespace cobble::storage
