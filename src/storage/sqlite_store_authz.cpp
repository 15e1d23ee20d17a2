#include "storage/sqlite_store.hpp"

namespace cobble::storage {
namespace {

using common::fail;
using Lock = std::lock_guard<std::mutex>;
using Mode = sql::Transaction::Mode;

}  // namespace

// Authorizations

Result<std::vector<ChallengeRecord>> SqliteStore::load_challenges(Connection& c, const char* condition,
                                                                  const std::optional<std::string>& value) {
  auto cursor = c.statement(
      std::string("SELECT id, authz_id, type, token, status, validated_at, error FROM challenges WHERE ") +
      condition + " ORDER BY seq");
  if (!cursor) return std::unexpected(cursor.error());
  sql::Statement& row = **cursor;
  if (value) row.bind(1, *value);
  std::vector<ChallengeRecord> challenges;
  while (true) {
    auto found = row.step();
    if (!found) return std::unexpected(found.error());
    if (!*found) return challenges;
    challenges.push_back(ChallengeRecord{.id = row.text(0),
                                         .authz_id = row.text(1),
                                         .type = row.text(2),
                                         .token = row.text(3),
                                         .status = challenge_status(row, 4),
                                         .validated_at = optional_time(row, 5),
                                         .error = row.text(6)});
  }
}

Result<AuthzRecord> SqliteStore::load_authz(Connection& c, const std::string& id) {
  AuthzRecord authz;
  {
    auto cursor = c.statement(
        "SELECT id, account_id, identifier_type, identifier_value, wildcard, status, expires, profile "
        "FROM authorizations WHERE id = ?");
    if (!cursor) return std::unexpected(cursor.error());
    sql::Statement& row = **cursor;
    auto found = row.bind(1, id).step();
    if (!found) return std::unexpected(found.error());
    if (!*found) return fail(std::errc::no_such_file_or_directory, "authorization " + id + " not found");
    authz = AuthzRecord{.id = row.text(0),
                        .account_id = row.int64(1),
                        .identifier = {row.text(2), row.text(3)},
                        .wildcard = row.int64(4) != 0,
                        .status = authz_status(row, 5),
                        .expires = from_micros(row.int64(6)),
                        .profile = row.text(7)};
  }
  auto challenges = load_challenges(c, "authz_id = ?", id);
  if (!challenges) return std::unexpected(challenges.error());
  authz.challenges = std::move(*challenges);
  return authz;
}

Result<AuthzRecord> SqliteStore::find_authz(const std::string& id) {
  return with_reader([&](Connection& c) -> Result<AuthzRecord> {
    auto tx = sql::Transaction::begin(c.db, Mode::deferred);
    if (!tx) return std::unexpected(tx.error());
    return load_authz(c, id);
  });
}

Result<AuthzRecord> SqliteStore::find_valid_authz(const AuthzReuseQuery& query) {
  return with_reader([&](Connection& c) -> Result<AuthzRecord> {
    auto tx = sql::Transaction::begin(c.db, Mode::deferred);
    if (!tx) return std::unexpected(tx.error());
    std::string id;
    {
      // "? IS NULL OR": one statement (prepared once) serves both the profile-bound and the any-profile
      // lookup; the index's equality columns stop at status either way.
      auto cursor = c.statement(
          "SELECT id FROM authorizations WHERE account_id = ?1 AND identifier_type = ?2 AND identifier_value "
          "= "
          "?3 AND wildcard = ?4 AND status = 'valid' AND (?5 IS NULL OR profile = ?5) AND expires > ?6 "
          "ORDER BY expires DESC LIMIT 1");
      if (!cursor) return std::unexpected(cursor.error());
      auto found = (*cursor)
                       ->bind_all(query.account_id, query.identifier.type, query.identifier.value,
                                  query.wildcard, query.profile, to_micros(query.now))
                       .step();
      if (!found) return std::unexpected(found.error());
      if (!*found)
        return fail(std::errc::no_such_file_or_directory,
                    "no valid authorization for " + query.identifier.value);
      id = (*cursor)->text(0);
    }
    return load_authz(c, id);
  });
}

Result<void> SqliteStore::update_authz_status(const std::string& id, AuthzStatus status) {
  Lock lock(mu_);
  auto changed = execute("UPDATE authorizations SET status = ? WHERE id = ?", status, id);
  if (!changed) return std::unexpected(changed.error());
  if (*changed == 0) return fail(std::errc::no_such_file_or_directory, "authorization " + id + " not found");
  return {};
}

// Challenges

Result<ChallengeRecord> SqliteStore::find_challenge(const std::string& id) {
  auto challenges = with_reader([&](Connection& c) { return load_challenges(c, "id = ?", id); });
  if (!challenges) return std::unexpected(challenges.error());
  if (challenges->empty())
    return fail(std::errc::no_such_file_or_directory, "challenge " + id + " not found");
  return std::move(challenges->front());
}

Result<void> SqliteStore::start_challenge(const std::string& id, const std::string& lease_owner) {
  Lock lock(mu_);
  auto tx = sql::Transaction::begin(db_);
  if (!tx) return std::unexpected(tx.error());
  auto changed = execute(
      "UPDATE challenges SET status = 'processing', lease_owner = ?, lease_expires = ? WHERE id = ? AND "
      "status = "
      "'pending'",
      lease_owner, lease_end(), id);
  if (!changed) return std::unexpected(changed.error());
  if (*changed == 0) return explain_unchanged("challenges", "id", id, "status is not pending");
  return tx->commit();
}

Result<PauseEffect> SqliteStore::finish_challenge(const ChallengeOutcomeRecord& outcome) {
  Lock lock(mu_);
  auto tx = sql::Transaction::begin(db_);
  if (!tx) return std::unexpected(tx.error());
  const auto& id = outcome.challenge_id;
  std::optional<std::int64_t> validated_at;
  if (outcome.valid) validated_at = to_micros(outcome.at);
  auto changed = execute(
      "UPDATE challenges SET status = ?, validated_at = ?, error = ? WHERE id = ? AND status = 'processing'",
      outcome.valid ? ChallengeStatus::valid : ChallengeStatus::invalid, validated_at,
      outcome.valid ? std::string() : outcome.error_json, id);
  if (!changed) return std::unexpected(changed.error());
  if (*changed == 0) {
    return std::unexpected(explain_unchanged("challenges", "id", id, "status is not processing").error());
  }
  // Only a pending authorization takes the outcome: one deactivated meanwhile stays so.
  std::optional<std::int64_t> valid_until;
  if (outcome.valid && outcome.valid_until) valid_until = to_micros(*outcome.valid_until);
  auto authz = execute(
      "UPDATE authorizations SET status = ?, expires = coalesce(?, expires) "
      "WHERE id = (SELECT authz_id FROM challenges WHERE id = ?) AND status = 'pending'",
      outcome.valid ? AuthzStatus::valid : AuthzStatus::invalid, valid_until, id);
  if (!authz) return std::unexpected(authz.error());
  if (outcome.attempt) {
    if (auto inserted = insert_attempt_row(*outcome.attempt); !inserted) {
      return std::unexpected(inserted.error());
    }
  }
  auto effect = PauseEffect::none;
  if (outcome.pause) {
    auto applied = apply_pause_bookkeeping(outcome.valid, *outcome.pause);
    if (!applied) return std::unexpected(applied.error());
    effect = *applied;
  }
  if (auto committed = tx->commit(); !committed) return std::unexpected(committed.error());
  return effect;
}

Result<void> SqliteStore::insert_attempt_row(const ValidationAttemptRecord& attempt) {
  auto inserted = execute(
      "INSERT INTO validation_attempts (account_id, identifier_type, identifier_value, method, started_at, "
      "finished_at, result, problem_type, problem_detail, addresses, redirects) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      attempt.account_id, attempt.identifier.type, attempt.identifier.value, attempt.method,
      to_micros(attempt.started_at), to_micros(attempt.finished_at), attempt.result, attempt.problem_type,
      attempt.problem_detail, join_lines(attempt.addresses), join_lines(attempt.redirects));
  if (!inserted) return std::unexpected(inserted.error());
  auto attempt_id = sqlite3_last_insert_rowid(db_.handle());
  std::int64_t position = 0;
  for (const PerspectiveRecord& p : attempt.perspectives) {
    auto row = execute(
        "INSERT INTO validation_perspectives (attempt_id, position, name, rir, result, problem_type, "
        "problem_detail) VALUES (?, ?, ?, ?, ?, ?, ?)",
        attempt_id, position++, p.name, p.rir, p.result, p.problem_type, p.problem_detail);
    if (!row) return std::unexpected(row.error());
  }
  return {};
}

Result<std::vector<PerspectiveRecord>> SqliteStore::load_perspectives(std::int64_t attempt_id) {
  auto cursor = statement(
      "SELECT name, rir, result, problem_type, problem_detail FROM validation_perspectives "
      "WHERE attempt_id = ? ORDER BY position");
  if (!cursor) return std::unexpected(cursor.error());
  sql::Statement& row = **cursor;
  row.bind(1, attempt_id);
  std::vector<PerspectiveRecord> out;
  while (true) {
    auto more = row.step();
    if (!more) return std::unexpected(more.error());
    if (!*more) break;
    out.push_back(PerspectiveRecord{.name = row.text(0),
                                    .rir = row.text(1),
                                    .result = challenge_status(row, 2),
                                    .problem_type = row.text(3),
                                    .problem_detail = row.text(4)});
  }
  return out;
}

Result<std::vector<ValidationAttemptRecord>> SqliteStore::list_validation_attempts(
    std::int64_t account_id, const IdentifierRecord& identifier, std::size_t limit) {
  Lock lock(mu_);
  auto cursor = statement(
      "SELECT id, method, started_at, finished_at, result, problem_type, problem_detail, addresses, "
      "redirects "
      "FROM validation_attempts WHERE account_id = ? AND identifier_type = ? AND identifier_value = ? "
      "ORDER BY id DESC LIMIT ?");
  if (!cursor) return std::unexpected(cursor.error());
  sql::Statement& row = **cursor;
  row.bind(1, account_id)
      .bind(2, identifier.type)
      .bind(3, identifier.value)
      .bind(4, static_cast<std::int64_t>(limit));
  std::vector<ValidationAttemptRecord> out;
  while (true) {
    auto more = row.step();
    if (!more) return std::unexpected(more.error());
    if (!*more) break;
    out.push_back(ValidationAttemptRecord{.id = row.int64(0),
                                          .account_id = account_id,
                                          .identifier = identifier,
                                          .method = row.text(1),
                                          .started_at = from_micros(row.int64(2)),
                                          .finished_at = from_micros(row.int64(3)),
                                          .result = challenge_status(row, 4),
                                          .problem_type = row.text(5),
                                          .problem_detail = row.text(6),
                                          .addresses = split_lines(row.text(7)),
                                          .redirects = split_lines(row.text(8))});
  }
  for (auto& attempt : out) {
    auto perspectives = load_perspectives(attempt.id);
    if (!perspectives) return std::unexpected(perspectives.error());
    attempt.perspectives = std::move(*perspectives);
  }
  return out;
}

}  // namespace cobble::storage
