// Authorizations, challenges and validation attempts on PostgreSQL. As for orders, a record with its
// parts is read in one statement.
#include "storage/pg_rows.hpp"
#include "storage/pg_store.hpp"

namespace cobble::storage {
namespace {

using common::fail;
using pg::Params;
using namespace pg_rows;

}  // namespace

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

}  // namespace cobble::storage
