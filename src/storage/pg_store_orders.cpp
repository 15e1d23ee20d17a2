// Orders (and bulk loading) on PostgreSQL. A read that returns a record with its parts is one
// statement (joins or aggregates), so it sees one snapshot and costs one round trip.
#include "storage/pg_rows.hpp"
#include "storage/pg_store.hpp"

namespace cobble::storage {
namespace {

using common::fail;
using pg::Params;
using namespace pg_rows;

}  // namespace

// Orders

Result<void> PgStore::insert_order_rows(pg::Connection& c, const OrderRecord& order,
                                        const std::vector<AuthzRecord>& new_authzs) {
  std::optional<std::string> serial;
  if (!order.certificate_serial.empty()) serial = order.certificate_serial;
  auto inserted = c.exec(
      "INSERT INTO orders (id, account_id, status, created_at, expires, not_before, not_after, error, "
      "certificate_serial, profile, replaces, replaces_serial) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
      "$10, "
      "$11, $12)",
      Params(order.id, order.account_id, order.status, to_micros(order.created_at), to_micros(order.expires),
             optional_micros(order.not_before), optional_micros(order.not_after), order.error, serial,
             order.profile, order.replaces, order.replaces_serial));
  if (!inserted) return std::unexpected(inserted.error());
  for (std::size_t i = 0; i < order.identifiers.size(); ++i) {
    auto added =
        c.exec("INSERT INTO order_identifiers (order_id, position, type, value) VALUES ($1, $2, $3, $4)",
               Params(order.id, i, order.identifiers[i].type, order.identifiers[i].value));
    if (!added) return std::unexpected(added.error());
  }
  for (const AuthzRecord& authz : new_authzs) {
    auto added = c.exec(
        "INSERT INTO authorizations (id, account_id, identifier_type, identifier_value, wildcard, status, "
        "expires, profile) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        Params(authz.id, authz.account_id, authz.identifier.type, authz.identifier.value, authz.wildcard,
               authz.status, to_micros(authz.expires), authz.profile));
    if (!added) return std::unexpected(added.error());
    for (const ChallengeRecord& challenge : authz.challenges) {
      // The challenge belongs to the authorization it is stored with, whatever its authz_id says.
      auto row = c.exec(
          "INSERT INTO challenges (id, authz_id, type, token, status, validated_at, error) "
          "VALUES ($1, $2, $3, $4, $5, $6, $7)",
          Params(challenge.id, authz.id, challenge.type, challenge.token, challenge.status,
                 optional_micros(challenge.validated_at), challenge.error));
      if (!row) return std::unexpected(row.error());
    }
  }
  for (std::size_t i = 0; i < order.authz_ids.size(); ++i) {
    auto added = c.exec("INSERT INTO order_authorizations (order_id, position, authz_id) VALUES ($1, $2, $3)",
                        Params(order.id, i, order.authz_ids[i]));
    if (!added) return std::unexpected(added.error());
  }
  return {};
}

Result<void> PgStore::insert_order(const OrderRecord& order, const std::vector<AuthzRecord>& new_authzs,
                                   const ReplacementCheck& check) {
  return in_transaction([&](pg::Connection& c) -> Result<void> {
    if (check.replacing_orders && !order.replaces_serial.empty()) {
      // The replaced certificate's row lock queues orders replacing it, on every instance: the
      // read below sees every such order committed before this one got the lock.
      auto locked =
          c.exec("SELECT 1 FROM certificates WHERE serial = $1 FOR UPDATE", Params(order.replaces_serial));
      if (!locked) return std::unexpected(locked.error());
      auto ids = c.exec("SELECT id FROM orders WHERE replaces_serial = $1 ORDER BY seq",
                        Params(order.replaces_serial));
      if (!ids) return std::unexpected(ids.error());
      if (column_text(*ids) != *check.replacing_orders)
        return fail(std::errc::operation_not_permitted, "another order replaces " + order.replaces_serial);
    }
    return insert_order_rows(c, order, new_authzs);
  });
}

Result<OrderRecord> PgStore::load_order(pg::Connection& c, const std::string& id) {
  auto rows = c.exec(
      "SELECT id, account_id, status, created_at, expires, not_before, not_after, error, "
      "coalesce(certificate_serial, ''), profile, replaces, replaces_serial, "
      "coalesce((SELECT string_agg(type || ' ' || value, E'\\n' ORDER BY position) FROM order_identifiers "
      "WHERE order_id = o.id), ''), "
      "coalesce((SELECT string_agg(authz_id, E'\\n' ORDER BY position) FROM order_authorizations "
      "WHERE order_id = o.id), '') "
      "FROM orders o WHERE id = $1",
      Params(id));
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return fail(std::errc::no_such_file_or_directory, "order " + id + " not found");
  OrderRecord order{.id = rows->text(0, 0),
                    .account_id = rows->int64(0, 1),
                    .status = order_status(rows->text(0, 2)),
                    .created_at = from_micros(rows->int64(0, 3)),
                    .expires = from_micros(rows->int64(0, 4)),
                    .not_before = optional_time(*rows, 0, 5),
                    .not_after = optional_time(*rows, 0, 6),
                    .error = rows->text(0, 7),
                    .certificate_serial = rows->text(0, 8),
                    .profile = rows->text(0, 9),
                    .replaces = rows->text(0, 10),
                    .replaces_serial = rows->text(0, 11)};
  for (const auto& line : split_lines(rows->text(0, 12))) {
    auto space = line.find(' ');
    order.identifiers.push_back({line.substr(0, space), line.substr(space + 1)});
  }
  order.authz_ids = split_lines(rows->text(0, 13));
  return order;
}

Result<OrderRecord> PgStore::find_order(const std::string& id) {
  return with_connection([&](pg::Connection& c) { return load_order(c, id); });
}

Result<std::vector<std::string>> PgStore::list_order_ids(std::int64_t account_id, TimePoint now,
                                                         std::size_t offset, std::size_t limit) {
  return with_connection([&](pg::Connection& c) -> Result<std::vector<std::string>> {
    auto rows =
        c.exec("SELECT id FROM orders WHERE account_id = $1 AND expires > $2 ORDER BY seq LIMIT $3 OFFSET $4",
               Params(account_id, to_micros(now), pg::count(limit), pg::count(offset)));
    if (!rows) return std::unexpected(rows.error());
    return column_text(*rows);
  });
}

Result<void> PgStore::transition_order(const std::string& id, OrderStatus from, OrderStatus to) {
  return with_connection([&](pg::Connection& c) -> Result<void> {
    auto changed = c.exec(std::string("UPDATE orders SET status = $1, status_since = ") + kDatabaseNow +
                              " WHERE id = $2 AND status = $3",
                          Params(to, id, from));
    if (!changed) return std::unexpected(changed.error());
    if (changed->affected() == 0)
      return std::unexpected(
          explain_unchanged(c, "orders", "id", id, "status is not " + std::string(to_string(from))));
    return {};
  });
}

Result<void> PgStore::complete_order(const std::string& id, const CertificateRecord& certificate) {
  return in_transaction([&](pg::Connection& c) -> Result<void> {
    auto changed = c.exec(std::string("UPDATE orders SET status = 'valid', status_since = ") + kDatabaseNow +
                              " WHERE id = $1 AND status IN ('pending', 'processing')",
                          Params(id));
    if (!changed) return std::unexpected(changed.error());
    if (changed->affected() == 0)
      return std::unexpected(
          explain_unchanged(c, "orders", "id", id, "status is neither pending nor processing"));
    auto inserted = c.exec(
        "INSERT INTO certificates (serial, account_id, order_id, chain_pem, key_spki, not_before, "
        "not_after, "
        "revoked_at, revocation_reason, issuer, identifier_set) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
        "$9, "
        "$10, "
        "$11)",
        Params(certificate.serial, certificate.account_id, id, certificate.chain_pem,
               pg::Bytes{certificate.key_spki}, to_micros(certificate.not_before),
               to_micros(certificate.not_after), optional_micros(certificate.revoked_at),
               certificate.revocation_reason, certificate.issuer, certificate.identifier_set));
    if (!inserted) return std::unexpected(inserted.error());
    for (std::size_t i = 0; i < certificate.identifiers.size(); ++i) {
      auto added = c.exec(
          "INSERT INTO certificate_identifiers (serial, position, type, value) VALUES ($1, $2, $3, $4)",
          Params(certificate.serial, i, certificate.identifiers[i].type, certificate.identifiers[i].value));
      if (!added) return std::unexpected(added.error());
    }
    auto linked =
        c.exec("UPDATE orders SET certificate_serial = $1 WHERE id = $2", Params(certificate.serial, id));
    if (!linked) return std::unexpected(linked.error());
    return {};
  });
}

Result<void> PgStore::fail_order(const std::string& id, const std::string& error_json) {
  return with_connection([&](pg::Connection& c) -> Result<void> {
    auto changed =
        c.exec("UPDATE orders SET status = 'invalid', error = $1 WHERE id = $2 AND status <> 'valid'",
               Params(error_json, id));
    if (!changed) return std::unexpected(changed.error());
    if (changed->affected() == 0)
      return std::unexpected(explain_unchanged(c, "orders", "id", id, "a valid order cannot fail"));
    return {};
  });
}

Result<std::vector<std::string>> PgStore::find_processing_orders(std::chrono::seconds older_than) {
  return with_connection([&](pg::Connection& c) -> Result<std::vector<std::string>> {
    // status_since 0: moved by a cobble older than migration 11 during a rolling upgrade, time
    // unknown; only a start-up of the only instance (older_than 0) takes it as interrupted.
    auto rows = c.exec(std::string("SELECT id FROM orders WHERE status = 'processing' AND status_since <= ") +
                           kDatabaseNow + " - $1 AND ($2 OR status_since <> 0) ORDER BY seq",
                       Params(std::chrono::microseconds(older_than).count(), older_than.count() == 0));
    if (!rows) return std::unexpected(rows.error());
    return column_text(*rows);
  });
}

Result<std::vector<std::int64_t>> PgStore::insert_bulk(const BulkRows& rows) {
  return in_transaction([&](pg::Connection& c) -> Result<std::vector<std::int64_t>> {
    std::vector<std::int64_t> account_ids;
    account_ids.reserve(rows.accounts.size());
    for (const AccountRecord& account : rows.accounts) {
      auto id = insert_account_row(c, account);
      if (!id) return std::unexpected(id.error());
      account_ids.push_back(*id);
    }
    for (const BulkOrder& order : rows.orders) {
      if (auto inserted = insert_order_rows(c, order.order, order.new_authzs); !inserted)
        return std::unexpected(inserted.error());
    }
    for (const ValidationAttemptRecord& attempt : rows.attempts) {
      if (auto inserted = insert_attempt_row(c, attempt); !inserted) return std::unexpected(inserted.error());
    }
    return account_ids;
  });
}

}  // namespace cobble::storage
