// Orders, authorizations, challenges and validation attempts on PostgreSQL. A read that returns a
// record with its parts is one statement (joins or aggregates), so it sees one snapshot and costs
// one round trip.
#include <limits>

#include "storage/pg_store.hpp"

namespace cobble::storage {
namespace {

using common::fail;
using pg::Params;

OrderStatus order_status(const std::string& text) {
  return common::parse_order_status(text).value_or(OrderStatus::invalid);
}
AuthzStatus authz_status(const std::string& text) {
  return common::parse_authz_status(text).value_or(AuthzStatus::invalid);
}
ChallengeStatus challenge_status(const std::string& text) {
  return common::parse_challenge_status(text).value_or(ChallengeStatus::invalid);
}

std::optional<TimePoint> optional_time(const pg::Rows& rows, int row, int column) {
  if (rows.is_null(row, column)) return std::nullopt;
  return from_micros(rows.int64(row, column));
}

std::vector<std::string> column_text(const pg::Rows& rows) {
  std::vector<std::string> out;
  for (int i = 0; i < rows.size(); ++i) out.push_back(rows.text(i, 0));
  return out;
}

constexpr const char* kChallengeColumns =
    "ch.id, ch.authz_id, ch.type, ch.token, ch.status, ch.validated_at, ch.error";

ChallengeRecord challenge_at(const pg::Rows& rows, int row, int first) {
  return ChallengeRecord{.id = rows.text(row, first),
                         .authz_id = rows.text(row, first + 1),
                         .type = rows.text(row, first + 2),
                         .token = rows.text(row, first + 3),
                         .status = challenge_status(rows.text(row, first + 4)),
                         .validated_at = optional_time(rows, row, first + 5),
                         .error = rows.text(row, first + 6)};
}

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
    auto changed =
        c.exec("UPDATE orders SET status = 'valid' WHERE id = $1 AND status = 'processing'", Params(id));
    if (!changed) return std::unexpected(changed.error());
    if (changed->affected() == 0)
      return std::unexpected(explain_unchanged(c, "orders", "id", id, "status is not processing"));
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

// Authorizations and challenges

Result<std::vector<ChallengeRecord>> PgStore::load_challenges(pg::Connection& c, const char* condition,
                                                              const Params& params) {
  auto rows = c.exec(std::string("SELECT ") + kChallengeColumns + " FROM challenges ch WHERE " + condition +
                         " ORDER BY ch.seq",
                     params);
  if (!rows) return std::unexpected(rows.error());
  std::vector<ChallengeRecord> challenges;
  for (int i = 0; i < rows->size(); ++i) challenges.push_back(challenge_at(*rows, i, 0));
  return challenges;
}

Result<AuthzRecord> PgStore::load_authz(pg::Connection& c, const std::string& id) {
  // The authorization's columns repeat on each of its challenges' rows (one row, challenge columns
  // NULL, when it has none).
  auto rows =
      c.exec(std::string("SELECT a.id, a.account_id, a.identifier_type, a.identifier_value, a.wildcard, "
                         "a.status, a.expires, a.profile, ") +
                 kChallengeColumns +
                 " FROM authorizations a LEFT JOIN challenges ch ON ch.authz_id = a.id WHERE a.id = $1 "
                 "ORDER BY ch.seq",
             Params(id));
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return fail(std::errc::no_such_file_or_directory, "authorization " + id + " not found");
  AuthzRecord authz{.id = rows->text(0, 0),
                    .account_id = rows->int64(0, 1),
                    .identifier = {rows->text(0, 2), rows->text(0, 3)},
                    .wildcard = rows->boolean(0, 4),
                    .status = authz_status(rows->text(0, 5)),
                    .expires = from_micros(rows->int64(0, 6)),
                    .profile = rows->text(0, 7)};
  for (int i = 0; i < rows->size(); ++i) {
    if (!rows->is_null(i, 8)) authz.challenges.push_back(challenge_at(*rows, i, 8));
  }
  return authz;
}

Result<AuthzRecord> PgStore::find_authz(const std::string& id) {
  return with_connection([&](pg::Connection& c) { return load_authz(c, id); });
}

Result<AuthzRecord> PgStore::find_valid_authz(const AuthzReuseQuery& query) {
  return with_connection([&](pg::Connection& c) -> Result<AuthzRecord> {
    auto rows = c.exec(
        "SELECT id FROM authorizations WHERE account_id = $1 AND identifier_type = $2 AND identifier_value "
        "= "
        "$3 "
        "AND wildcard = $4 AND status = 'valid' AND ($5::text IS NULL OR profile = $5::text) AND expires > "
        "$6 "
        "ORDER BY expires DESC LIMIT 1",
        Params(query.account_id, query.identifier.type, query.identifier.value, query.wildcard, query.profile,
               to_micros(query.now)));
    if (!rows) return std::unexpected(rows.error());
    if (rows->empty())
      return fail(std::errc::no_such_file_or_directory,
                  "no valid authorization for " + query.identifier.value);
    // An authorization is only ever replaced by a newer state, never deleted (but by reset), so
    // the second read finds the row the first chose.
    return load_authz(c, rows->text(0, 0));
  });
}

Result<void> PgStore::update_authz_status(const std::string& id, AuthzStatus status) {
  return with_connection([&](pg::Connection& c) -> Result<void> {
    auto changed = c.exec("UPDATE authorizations SET status = $1 WHERE id = $2", Params(status, id));
    if (!changed) return std::unexpected(changed.error());
    if (changed->affected() == 0)
      return fail(std::errc::no_such_file_or_directory, "authorization " + id + " not found");
    return {};
  });
}

Result<ChallengeRecord> PgStore::find_challenge(const std::string& id) {
  auto challenges =
      with_connection([&](pg::Connection& c) { return load_challenges(c, "ch.id = $1", Params(id)); });
  if (!challenges) return std::unexpected(challenges.error());
  if (challenges->empty())
    return fail(std::errc::no_such_file_or_directory, "challenge " + id + " not found");
  return std::move(challenges->front());
}

Result<void> PgStore::start_challenge(const std::string& id, const std::string& lease_owner) {
  return with_connection([&](pg::Connection& c) -> Result<void> {
    auto changed = c.exec(
        std::string("UPDATE challenges SET status = 'processing', lease_owner = $2, lease_expires = ") +
            kDatabaseNow + " + $3 WHERE id = $1 AND status = 'pending'",
        Params(id, lease_owner, lease_micros()));
    if (!changed) return std::unexpected(changed.error());
    if (changed->affected() == 0)
      return std::unexpected(explain_unchanged(c, "challenges", "id", id, "status is not pending"));
    return {};
  });
}

Result<PauseEffect> PgStore::finish_challenge(const ChallengeOutcomeRecord& outcome) {
  return in_transaction([&](pg::Connection& c) -> Result<PauseEffect> {
    const auto& id = outcome.challenge_id;
    std::optional<std::int64_t> validated_at;
    if (outcome.valid) validated_at = to_micros(outcome.at);
    auto changed = c.exec(
        "UPDATE challenges SET status = $1, validated_at = $2, error = $3 WHERE id = $4 AND status = "
        "'processing' "
        "RETURNING authz_id",
        Params(outcome.valid ? ChallengeStatus::valid : ChallengeStatus::invalid, validated_at,
               outcome.valid ? std::string() : outcome.error_json, id));
    if (!changed) return std::unexpected(changed.error());
    if (changed->empty())
      return std::unexpected(explain_unchanged(c, "challenges", "id", id, "status is not processing"));
    // Only a pending authorization takes the outcome: one deactivated meanwhile stays so.
    std::optional<std::int64_t> valid_until;
    if (outcome.valid && outcome.valid_until) valid_until = to_micros(*outcome.valid_until);
    auto authz = c.exec(
        "UPDATE authorizations SET status = $1, expires = coalesce($2, expires) WHERE id = $3 AND status = "
        "'pending'",
        Params(outcome.valid ? AuthzStatus::valid : AuthzStatus::invalid, valid_until, changed->text(0, 0)));
    if (!authz) return std::unexpected(authz.error());
    if (outcome.attempt) {
      if (auto inserted = insert_attempt_row(c, *outcome.attempt); !inserted)
        return std::unexpected(inserted.error());
    }
    if (!outcome.pause) return PauseEffect::none;
    return apply_pause_bookkeeping(c, outcome.valid, *outcome.pause);
  });
}

Result<void> PgStore::insert_attempt_row(pg::Connection& c, const ValidationAttemptRecord& attempt) {
  auto inserted = c.exec(
      "INSERT INTO validation_attempts (account_id, identifier_type, identifier_value, method, started_at, "
      "finished_at, result, problem_type, problem_detail, addresses, redirects) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
      Params(attempt.account_id, attempt.identifier.type, attempt.identifier.value, attempt.method,
             to_micros(attempt.started_at), to_micros(attempt.finished_at), attempt.result,
             attempt.problem_type, attempt.problem_detail, join_lines(attempt.addresses),
             join_lines(attempt.redirects)));
  if (!inserted) return std::unexpected(inserted.error());
  auto attempt_id = inserted->int64(0, 0);
  std::int64_t position = 0;
  for (const PerspectiveRecord& p : attempt.perspectives) {
    auto row = c.exec(
        "INSERT INTO validation_perspectives (attempt_id, position, name, rir, result, problem_type, "
        "problem_detail) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        Params(attempt_id, position++, p.name, p.rir, p.result, p.problem_type, p.problem_detail));
    if (!row) return std::unexpected(row.error());
  }
  return {};
}

Result<std::vector<ValidationAttemptRecord>> PgStore::list_validation_attempts(
    std::int64_t account_id, const IdentifierRecord& identifier, std::size_t limit) {
  return with_connection([&](pg::Connection& c) -> Result<std::vector<ValidationAttemptRecord>> {
    // Each attempt's columns repeat on each of its perspectives' rows.
    auto rows = c.exec(
        "SELECT a.id, a.method, a.started_at, a.finished_at, a.result, a.problem_type, a.problem_detail, "
        "a.addresses, a.redirects, p.name, p.rir, p.result, p.problem_type, p.problem_detail "
        "FROM (SELECT * FROM validation_attempts WHERE account_id = $1 AND identifier_type = $2 AND "
        "identifier_value = $3 ORDER BY id DESC LIMIT $4) a "
        "LEFT JOIN validation_perspectives p ON p.attempt_id = a.id ORDER BY a.id DESC, p.position",
        Params(account_id, identifier.type, identifier.value, pg::count(limit)));
    if (!rows) return std::unexpected(rows.error());
    std::vector<ValidationAttemptRecord> out;
    for (int i = 0; i < rows->size(); ++i) {
      if (out.empty() || out.back().id != rows->int64(i, 0)) {
        out.push_back(ValidationAttemptRecord{.id = rows->int64(i, 0),
                                              .account_id = account_id,
                                              .identifier = identifier,
                                              .method = rows->text(i, 1),
                                              .started_at = from_micros(rows->int64(i, 2)),
                                              .finished_at = from_micros(rows->int64(i, 3)),
                                              .result = challenge_status(rows->text(i, 4)),
                                              .problem_type = rows->text(i, 5),
                                              .problem_detail = rows->text(i, 6),
                                              .addresses = split_lines(rows->text(i, 7)),
                                              .redirects = split_lines(rows->text(i, 8))});
      }
      if (rows->is_null(i, 9)) continue;
      out.back().perspectives.push_back(PerspectiveRecord{.name = rows->text(i, 9),
                                                          .rir = rows->text(i, 10),
                                                          .result = challenge_status(rows->text(i, 11)),
                                                          .problem_type = rows->text(i, 12),
                                                          .problem_detail = rows->text(i, 13)});
    }
    return out;
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
