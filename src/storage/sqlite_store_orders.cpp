#include <limits>

#include "storage/sqlite_store.hpp"

namespace cobble::storage {
namespace {

using common::fail;
using Lock = std::lock_guard<std::mutex>;
using Mode = sql::Transaction::Mode;

// SQLite takes a signed LIMIT/OFFSET; -1 means no limit.
std::int64_t clamp_count(std::size_t n) {
  return n > static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max())
             ? -1
             : static_cast<std::int64_t>(n);
}

// Collects the first column of every row.
Result<std::vector<std::string>> collect_text(sql::Statement& statement) {
  std::vector<std::string> values;
  while (true) {
    auto row = statement.step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return values;
    values.push_back(statement.text(0));
  }
}

}  // namespace

// Orders

Result<void> SqliteStore::insert_authz(const AuthzRecord& authz) {
  auto inserted = execute(
      "INSERT INTO authorizations (id, account_id, identifier_type, identifier_value, wildcard, status, "
      "expires, profile) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      authz.id, authz.account_id, authz.identifier.type, authz.identifier.value, authz.wildcard, authz.status,
      to_micros(authz.expires), authz.profile);
  if (!inserted) return std::unexpected(inserted.error());
  for (const ChallengeRecord& challenge : authz.challenges) {
    // The challenge belongs to the authorization it is stored with, whatever its authz_id says.
    auto added = execute(
        "INSERT INTO challenges (id, authz_id, type, token, status, validated_at, error) VALUES (?, ?, ?, ?, "
        "?, ?, ?)",
        challenge.id, authz.id, challenge.type, challenge.token, challenge.status,
        optional_micros(challenge.validated_at), challenge.error);
    if (!added) return std::unexpected(added.error());
  }
  return {};
}

Result<void> SqliteStore::insert_order(const OrderRecord& order, const std::vector<AuthzRecord>& new_authzs,
                                       const ReplacementCheck& check) {
  Lock lock(mu_);
  auto tx = sql::Transaction::begin(db_);
  if (!tx) return std::unexpected(tx.error());
  if (check.replacing_orders && !order.replaces_serial.empty()) {
    // The writer lock serialises every insert: no other order can appear between this read and
    // the insert.
    auto cursor = statement("SELECT id FROM orders WHERE replaces_serial = ? ORDER BY seq");
    if (!cursor) return std::unexpected(cursor.error());
    auto ids = collect_text((*cursor)->bind_all(order.replaces_serial));
    if (!ids) return std::unexpected(ids.error());
    if (*ids != *check.replacing_orders)
      return fail(std::errc::operation_not_permitted, "another order replaces " + order.replaces_serial);
  }
  if (auto inserted = insert_order_rows(order, new_authzs); !inserted) return inserted;
  return tx->commit();
}

Result<void> SqliteStore::insert_order_rows(const OrderRecord& order,
                                            const std::vector<AuthzRecord>& new_authzs) {
  std::optional<std::string> serial;
  if (!order.certificate_serial.empty()) serial = order.certificate_serial;
  auto inserted = execute(
      "INSERT INTO orders (id, account_id, status, created_at, expires, not_before, not_after, error, "
      "certificate_serial, profile, replaces, replaces_serial) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      order.id, order.account_id, order.status, to_micros(order.created_at), to_micros(order.expires),
      optional_micros(order.not_before), optional_micros(order.not_after), order.error, serial, order.profile,
      order.replaces, order.replaces_serial);
  if (!inserted) return std::unexpected(inserted.error());
  for (std::size_t i = 0; i < order.identifiers.size(); ++i) {
    auto added =
        execute("INSERT INTO order_identifiers (order_id, position, type, value) VALUES (?, ?, ?, ?)",
                order.id, i, order.identifiers[i].type, order.identifiers[i].value);
    if (!added) return std::unexpected(added.error());
  }
  for (const AuthzRecord& authz : new_authzs) {
    if (auto added = insert_authz(authz); !added) return added;
  }
  for (std::size_t i = 0; i < order.authz_ids.size(); ++i) {
    auto added = execute("INSERT INTO order_authorizations (order_id, position, authz_id) VALUES (?, ?, ?)",
                         order.id, i, order.authz_ids[i]);
    if (!added) return std::unexpected(added.error());
  }
  return {};
}

Result<OrderRecord> SqliteStore::load_order(Connection& c, const std::string& id) {
  OrderRecord order;
  {
    auto cursor = c.statement(
        "SELECT id, account_id, status, created_at, expires, not_before, not_after, error, "
        "certificate_serial, profile, replaces, replaces_serial FROM orders WHERE id = ?");
    if (!cursor) return std::unexpected(cursor.error());
    sql::Statement& row = **cursor;
    auto found = row.bind(1, id).step();
    if (!found) return std::unexpected(found.error());
    if (!*found) return fail(std::errc::no_such_file_or_directory, "order " + id + " not found");
    order = OrderRecord{.id = row.text(0),
                        .account_id = row.int64(1),
                        .status = order_status(row, 2),
                        .created_at = from_micros(row.int64(3)),
                        .expires = from_micros(row.int64(4)),
                        .not_before = optional_time(row, 5),
                        .not_after = optional_time(row, 6),
                        .error = row.text(7),
                        .certificate_serial = row.text(8),
                        .profile = row.text(9),
                        .replaces = row.text(10),
                        .replaces_serial = row.text(11)};
  }
  {
    auto cursor =
        c.statement("SELECT type, value FROM order_identifiers WHERE order_id = ? ORDER BY position");
    if (!cursor) return std::unexpected(cursor.error());
    (*cursor)->bind(1, id);
    while (true) {
      auto row = (*cursor)->step();
      if (!row) return std::unexpected(row.error());
      if (!*row) break;
      order.identifiers.push_back({(*cursor)->text(0), (*cursor)->text(1)});
    }
  }
  auto cursor = c.statement("SELECT authz_id FROM order_authorizations WHERE order_id = ? ORDER BY position");
  if (!cursor) return std::unexpected(cursor.error());
  auto authz_ids = collect_text((*cursor)->bind(1, id));
  if (!authz_ids) return std::unexpected(authz_ids.error());
  order.authz_ids = std::move(*authz_ids);
  return order;
}

Result<OrderRecord> SqliteStore::find_order(const std::string& id) {
  return with_reader([&](Connection& c) -> Result<OrderRecord> {
    // One snapshot for the three reads; read-only, so the guard's rollback ends it.
    auto tx = sql::Transaction::begin(c.db, Mode::deferred);
    if (!tx) return std::unexpected(tx.error());
    return load_order(c, id);
  });
}

Result<std::vector<std::string>> SqliteStore::list_order_ids(std::int64_t account_id, TimePoint now,
                                                             std::size_t offset, std::size_t limit) {
  Lock lock(mu_);
  auto cursor =
      statement("SELECT id FROM orders WHERE account_id = ? AND expires > ? ORDER BY seq LIMIT ? OFFSET ?");
  if (!cursor) return std::unexpected(cursor.error());
  return collect_text(
      (*cursor)->bind_all(account_id, to_micros(now), clamp_count(limit), clamp_count(offset)));
}

Result<void> SqliteStore::transition_order(const std::string& id, OrderStatus from, OrderStatus to) {
  Lock lock(mu_);
  auto tx = sql::Transaction::begin(db_);
  if (!tx) return std::unexpected(tx.error());
  auto changed = execute("UPDATE orders SET status = ?, status_since = ? WHERE id = ? AND status = ?", to,
                         system_now(), id, from);
  if (!changed) return std::unexpected(changed.error());
  if (*changed == 0)
    return explain_unchanged("orders", "id", id, "status is not " + std::string(to_string(from)));
  return tx->commit();
}

Result<void> SqliteStore::complete_order(const std::string& id, const CertificateRecord& certificate) {
  Lock lock(mu_);
  auto tx = sql::Transaction::begin(db_);
  if (!tx) return std::unexpected(tx.error());
  auto changed = execute(
      "UPDATE orders SET status = 'valid', status_since = ? WHERE id = ? AND status IN ('pending', "
      "'processing')",
      system_now(), id);
  if (!changed) return std::unexpected(changed.error());
  if (*changed == 0) return explain_unchanged("orders", "id", id, "status is neither pending nor processing");
  auto inserted = execute(
      "INSERT INTO certificates (serial, account_id, order_id, chain_pem, key_spki, not_before, not_after, "
      "revoked_at, revocation_reason, issuer, identifier_set) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      certificate.serial, certificate.account_id, id, certificate.chain_pem, sql::Blob{certificate.key_spki},
      to_micros(certificate.not_before), to_micros(certificate.not_after),
      optional_micros(certificate.revoked_at), certificate.revocation_reason, certificate.issuer,
      certificate.identifier_set);
  if (!inserted) return std::unexpected(inserted.error());
  for (std::size_t i = 0; i < certificate.identifiers.size(); ++i) {
    auto added =
        execute("INSERT INTO certificate_identifiers (serial, position, type, value) VALUES (?, ?, ?, ?)",
                certificate.serial, i, certificate.identifiers[i].type, certificate.identifiers[i].value);
    if (!added) return std::unexpected(added.error());
  }
  auto linked = execute("UPDATE orders SET certificate_serial = ? WHERE id = ?", certificate.serial, id);
  if (!linked) return std::unexpected(linked.error());
  return tx->commit();
}

Result<void> SqliteStore::fail_order(const std::string& id, const std::string& error_json) {
  Lock lock(mu_);
  auto tx = sql::Transaction::begin(db_);
  if (!tx) return std::unexpected(tx.error());
  auto changed = execute("UPDATE orders SET status = 'invalid', error = ? WHERE id = ? AND status <> 'valid'",
                         error_json, id);
  if (!changed) return std::unexpected(changed.error());
  if (*changed == 0) return explain_unchanged("orders", "id", id, "a valid order cannot fail");
  return tx->commit();
}

Result<std::vector<std::string>> SqliteStore::find_processing_orders(std::chrono::seconds older_than) {
  Lock lock(mu_);
  // status_since 0: moved by a cobble older than migration 11, time unknown; only a start-up of the
  // only instance (older_than 0) takes it as interrupted.
  auto cursor = statement(
      "SELECT id FROM orders WHERE status = 'processing' AND status_since <= ? AND (? OR status_since <> 0) "
      "ORDER BY seq");
  if (!cursor) return std::unexpected(cursor.error());
  return collect_text((*cursor)->bind_all(system_now() - std::chrono::microseconds(older_than).count(),
                                          older_than.count() == 0));
}

}  // namespace cobble::storage
