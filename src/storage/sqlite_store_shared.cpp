// What several instances on one database share (issue #16): validation leases, redeemed nonces
// and published files. With SQLite there is normally one instance; these work the same anyway.
#include <chrono>
#include <limits>

#include "storage/sqlite_store.hpp"

namespace cobble::storage {
namespace {
using Lock = std::lock_guard<std::mutex>;
constexpr std::uint64_t kForgetEvery = 1024;  // redemptions between sweeps of expired nonces
}  // namespace

std::int64_t SqliteStore::system_now() {
  return to_micros(std::chrono::time_point_cast<TimePoint::duration>(std::chrono::system_clock::now()));
}

std::int64_t SqliteStore::lease_end() const {
  return system_now() + std::chrono::microseconds(lease_).count();
}

Result<std::size_t> SqliteStore::renew_challenge_leases(const std::string& owner) {
  Lock lock(mu_);
  auto changed =
      execute("UPDATE challenges SET lease_expires = ? WHERE lease_owner = ? AND status = 'processing'",
              lease_end(), owner);
  if (!changed) return std::unexpected(changed.error());
  return static_cast<std::size_t>(*changed);
}

Result<std::vector<ClaimedChallenge>> SqliteStore::claim_challenges(const ChallengeClaim& claim) {
  Lock lock(mu_);
  auto tx = sql::Transaction::begin(db_);
  if (!tx) return std::unexpected(tx.error());
  auto now = system_now();
  // all_processing: every lease counts as run out.
  auto cutoff = claim.scope == ClaimScope::all_processing ? std::numeric_limits<std::int64_t>::max() : now;
  std::vector<ClaimedChallenge> claimed;
  {
    auto cursor = statement(
        "SELECT id, authz_id, type, token, status, validated_at, error, resumed FROM challenges "
        "WHERE status = 'processing' AND lease_expires < ? ORDER BY seq LIMIT ?");
    if (!cursor) return std::unexpected(cursor.error());
    sql::Statement& row = **cursor;
    row.bind_all(cutoff, static_cast<std::int64_t>(claim.limit));
    while (true) {
      auto found = row.step();
      if (!found) return std::unexpected(found.error());
      if (!*found) break;
      claimed.push_back({ChallengeRecord{.id = row.text(0),
                                         .authz_id = row.text(1),
                                         .type = row.text(2),
                                         .token = row.text(3),
                                         .status = challenge_status(row, 4),
                                         .validated_at = optional_time(row, 5),
                                         .error = row.text(6)},
                         static_cast<int>(row.int64(7)) + 1});
    }
  }
  for (const auto& c : claimed) {
    auto changed = execute(
        "UPDATE challenges SET lease_owner = ?, lease_expires = ?, resumed = resumed + 1 WHERE id = ?",
        claim.owner, lease_end(), c.challenge.id);
    if (!changed) return std::unexpected(changed.error());
  }
  if (auto committed = tx->commit(); !committed) return std::unexpected(committed.error());
  return claimed;
}

Result<bool> SqliteStore::redeem_nonce(const std::string& nonce, TimePoint expires, TimePoint now) {
  Lock lock(mu_);
  if (++redemptions_ % kForgetEvery == 0) {
    if (auto forgot = execute("DELETE FROM used_nonces WHERE expires < ?", to_micros(now)); !forgot)
      return std::unexpected(forgot.error());
  }
  auto inserted = execute("INSERT INTO used_nonces (nonce, expires) VALUES (?, ?) ON CONFLICT DO NOTHING",
                          nonce, to_micros(expires));
  if (!inserted) return std::unexpected(inserted.error());
  return *inserted == 1;
}

Result<std::map<std::string, std::string>> SqliteStore::find_shared_files(const std::string& group) {
  Lock lock(mu_);
  auto cursor = statement("SELECT name, content FROM shared_files WHERE grp = ?");
  if (!cursor) return std::unexpected(cursor.error());
  sql::Statement& row = **cursor;
  row.bind(1, group);
  std::map<std::string, std::string> files;
  while (true) {
    auto found = row.step();
    if (!found) return std::unexpected(found.error());
    if (!*found) return files;
    files[row.text(0)] = row.text(1);
  }
}

Result<bool> SqliteStore::publish_shared_files(const std::string& group,
                                               const std::map<std::string, std::string>& files) {
  Lock lock(mu_);
  auto tx = sql::Transaction::begin(db_);
  if (!tx) return std::unexpected(tx.error());
  for (const auto& [name, content] : files) {
    auto inserted =
        execute("INSERT INTO shared_files (grp, name, content) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                group, name, sql::Blob{content});
    if (!inserted) return std::unexpected(inserted.error());
    if (*inserted == 0) return false;  // rolled back as the transaction goes out of scope
  }
  if (auto committed = tx->commit(); !committed) return std::unexpected(committed.error());
  return true;
}

Result<std::int64_t> SqliteStore::put_deployment_setting(const std::string& name, const std::string& value) {
  Lock lock(mu_);
  auto tx = sql::Transaction::begin(db_);
  if (!tx) return std::unexpected(tx.error());
  auto written = execute(
      "INSERT INTO deployment_settings (name, value, version) "
      "VALUES (?, ?, (SELECT coalesce(max(version), 0) + 1 FROM deployment_settings)) "
      "ON CONFLICT (name) DO UPDATE SET value = excluded.value, version = excluded.version",
      name, value);
  if (!written) return std::unexpected(written.error());
  auto cursor = statement("SELECT version FROM deployment_settings WHERE name = ?");
  if (!cursor) return std::unexpected(cursor.error());
  auto found = (*cursor)->bind(1, name).step();
  if (!found) return std::unexpected(found.error());
  auto version = (*cursor)->int64(0);
  (*cursor)->reset();
  if (auto committed = tx->commit(); !committed) return std::unexpected(committed.error());
  return version;
}

Result<std::vector<DeploymentSetting>> SqliteStore::list_deployment_settings(std::int64_t after_version) {
  Lock lock(mu_);
  auto cursor =
      statement("SELECT name, value, version FROM deployment_settings WHERE version > ? ORDER BY version");
  if (!cursor) return std::unexpected(cursor.error());
  sql::Statement& row = **cursor;
  row.bind(1, after_version);
  std::vector<DeploymentSetting> settings;
  while (true) {
    auto found = row.step();
    if (!found) return std::unexpected(found.error());
    if (!*found) return settings;
    settings.push_back({row.text(0), row.text(1), row.int64(2)});
  }
}

Result<DeploymentFigures> SqliteStore::deployment_figures() {
  Lock lock(mu_);
  DeploymentFigures figures;
  {
    auto cursor = statement(
        "SELECT (SELECT count(*) FROM accounts), (SELECT count(*) FROM certificates), "
        "(SELECT count(*) FROM paused WHERE unpaused_at IS NULL)");
    if (!cursor) return std::unexpected(cursor.error());
    auto row = (*cursor)->step();
    if (!row) return std::unexpected(row.error());
    figures.accounts = static_cast<std::uint64_t>((*cursor)->int64(0));
    figures.certificates = static_cast<std::uint64_t>((*cursor)->int64(1));
    figures.paused_pairs = static_cast<std::uint64_t>((*cursor)->int64(2));
  }
  auto cursor = statement(
      "SELECT lease_owner, count(*) FROM challenges WHERE status = 'processing' GROUP BY lease_owner");
  if (!cursor) return std::unexpected(cursor.error());
  while (true) {
    auto row = (*cursor)->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return figures;
    figures.leased_validations[(*cursor)->text(0)] = static_cast<std::uint64_t>((*cursor)->int64(1));
  }
}

}  // namespace cobble::storage
