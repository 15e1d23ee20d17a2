// Pause bookkeeping and paused pairs (issue #5), on the same connection and lock as the rest.
#include "storage/sqlite_store.hpp"

namespace cobble::storage {
namespace {
using Lock = std::lock_guard<std::mutex>;
}  // namespace

Result<PauseEffect> SqliteStore::pause_locked(std::int64_t account_id, const IdentifierRecord& identifier,
                                              TimePoint now, std::chrono::seconds grace) {
  auto cursor = statement(
      "SELECT unpaused_at FROM paused WHERE account_id = ? AND identifier_type = ? AND identifier_value = ?");
  if (!cursor) return std::unexpected(cursor.error());
  sql::Statement& row = **cursor;
  row.bind(1, account_id).bind(2, identifier.type).bind(3, identifier.value);
  auto found = row.step();
  if (!found) return std::unexpected(found.error());
  if (*found) {
    if (row.is_null(0)) return PauseEffect::already_paused;
    // The grace period: a pair unpaused less than `grace` ago is left alone (pausing.md).
    if (from_micros(row.int64(0)) + grace > now) return PauseEffect::skipped_for_grace;
  }
  bool existed = *found;
  row.reset();
  auto written = execute(
      "INSERT INTO paused (account_id, identifier_type, identifier_value, paused_at, unpaused_at) "
      "VALUES (?, ?, ?, ?, NULL) ON CONFLICT (account_id, identifier_type, identifier_value) "
      "DO UPDATE SET paused_at = excluded.paused_at, unpaused_at = NULL",
      account_id, identifier.type, identifier.value, to_micros(now));
  if (!written) return std::unexpected(written.error());
  return existed ? PauseEffect::repaused : PauseEffect::paused;
}

Result<PauseEffect> SqliteStore::apply_pause_bookkeeping(bool valid, const PauseBookkeeping& pause) {
  const auto account_id = pause.account_id;
  const auto& id = pause.pair;
  if (valid) {
    // A success resets the pair: the count is of consecutive failures.
    auto deleted = execute(
        "DELETE FROM pause_buckets WHERE account_id = ? AND identifier_type = ? AND identifier_value = ?",
        account_id, id.type, id.value);
    if (!deleted) return std::unexpected(deleted.error());
    return PauseEffect::none;
  }
  std::optional<TimePoint> tat;
  {
    auto cursor = statement(
        "SELECT tat FROM pause_buckets WHERE account_id = ? AND identifier_type = ? AND identifier_value = "
        "?");
    if (!cursor) return std::unexpected(cursor.error());
    sql::Statement& row = **cursor;
    row.bind(1, account_id).bind(2, id.type).bind(3, id.value);
    auto found = row.step();
    if (!found) return std::unexpected(found.error());
    if (*found) tat = from_micros(row.int64(0));
  }
  auto decision = common::gcra::spend(pause.failures, tat, pause.now);
  auto stored = execute(
      "INSERT INTO pause_buckets (account_id, identifier_type, identifier_value, tat) VALUES (?, ?, ?, ?) "
      "ON CONFLICT (account_id, identifier_type, identifier_value) DO UPDATE SET tat = excluded.tat",
      account_id, id.type, id.value, to_micros(decision.new_tat));
  if (!stored) return std::unexpected(stored.error());
  if (decision.allowed) return PauseEffect::none;
  return pause_locked(account_id, id, pause.now, pause.grace);
}

Result<std::vector<IdentifierRecord>> SqliteStore::find_paused(
    std::int64_t account_id, const std::vector<IdentifierRecord>& identifiers) {
  return with_reader([&](Connection& c) -> Result<std::vector<IdentifierRecord>> {
    std::vector<IdentifierRecord> paused;
    for (const auto& id : identifiers) {
      auto cursor = c.statement(
          "SELECT 1 FROM paused WHERE account_id = ? AND identifier_type = ? AND identifier_value = ? "
          "AND unpaused_at IS NULL");
      if (!cursor) return std::unexpected(cursor.error());
      (*cursor)->bind(1, account_id).bind(2, id.type).bind(3, id.value);
      auto found = (*cursor)->step();
      if (!found) return std::unexpected(found.error());
      if (*found) paused.push_back(id);
    }
    return paused;
  });
}

Result<std::vector<IdentifierRecord>> SqliteStore::list_paused(std::int64_t account_id, std::size_t limit) {
  Lock lock(mu_);
  auto cursor = statement(
      "SELECT identifier_type, identifier_value FROM paused WHERE account_id = ? AND unpaused_at IS NULL "
      "ORDER BY paused_at LIMIT ?");
  if (!cursor) return std::unexpected(cursor.error());
  sql::Statement& row = **cursor;
  row.bind(1, account_id).bind(2, static_cast<std::int64_t>(limit));
  std::vector<IdentifierRecord> out;
  while (true) {
    auto more = row.step();
    if (!more) return std::unexpected(more.error());
    if (!*more) return out;
    out.push_back({row.text(0), row.text(1)});
  }
}

Result<std::size_t> SqliteStore::unpause_account(std::int64_t account_id, std::size_t limit, TimePoint now) {
  Lock lock(mu_);
  auto tx = sql::Transaction::begin(db_);
  if (!tx) return std::unexpected(tx.error());
  auto changed = execute(
      "UPDATE paused SET unpaused_at = ? WHERE (account_id, identifier_type, identifier_value) IN ("
      "SELECT account_id, identifier_type, identifier_value FROM paused WHERE account_id = ? AND unpaused_at "
      "IS NULL "
      "LIMIT ?)",
      to_micros(now), account_id, static_cast<std::int64_t>(limit));
  if (!changed) return std::unexpected(changed.error());
  if (auto committed = tx->commit(); !committed) return std::unexpected(committed.error());
  return static_cast<std::size_t>(*changed);
}

Result<PauseEffect> SqliteStore::pause_pair(std::int64_t account_id, const IdentifierRecord& identifier,
                                            TimePoint now, std::chrono::seconds grace) {
  Lock lock(mu_);
  auto tx = sql::Transaction::begin(db_);
  if (!tx) return std::unexpected(tx.error());
  auto effect = pause_locked(account_id, identifier, now, grace);
  if (!effect) return effect;
  if (auto committed = tx->commit(); !committed) return std::unexpected(committed.error());
  return effect;
}

Result<std::vector<std::pair<std::int64_t, std::size_t>>> SqliteStore::count_paused(std::size_t limit) {
  Lock lock(mu_);
  auto cursor = statement(
      "SELECT account_id, count(*) AS n FROM paused WHERE unpaused_at IS NULL GROUP BY account_id "
      "ORDER BY n DESC, account_id LIMIT ?");
  if (!cursor) return std::unexpected(cursor.error());
  sql::Statement& row = **cursor;
  row.bind(1, static_cast<std::int64_t>(limit));
  std::vector<std::pair<std::int64_t, std::size_t>> out;
  while (true) {
    auto more = row.step();
    if (!more) return std::unexpected(more.error());
    if (!*more) return out;
    out.emplace_back(row.int64(0), static_cast<std::size_t>(row.int64(1)));
  }
}

}  // namespace cobble::storage
