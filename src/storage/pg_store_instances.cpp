// What the instances of a deployment coordinate through the database (issue #16): validation
// leases, redeemed nonces and published files.
#include <algorithm>

#include "storage/pg_rows.hpp"
#include "storage/pg_store.hpp"

namespace cobble::storage {
namespace {
using pg::Params;
constexpr std::uint64_t kForgetEvery = 1024;   // redemptions between sweeps of expired nonces
constexpr std::int64_t kForgetBatch = 10'000;  // nonces forgotten per sweep at most: a sweep stays short
}  // namespace

Result<std::size_t> PgStore::renew_challenge_leases(const std::string& owner) {
  return with_connection([&](pg::Connection& c) -> Result<std::size_t> {
    auto changed = c.exec(std::string("UPDATE challenges SET lease_expires = ") + kDatabaseNow +
                              " + $2 WHERE lease_owner = $1 AND status = 'processing'",
                          Params(owner, lease_micros()));
    if (!changed) return std::unexpected(changed.error());
    return static_cast<std::size_t>(changed->affected());
  });
}

Result<std::vector<ClaimedChallenge>> PgStore::claim_challenges(const ChallengeClaim& claim) {
  return with_connection([&](pg::Connection& c) -> Result<std::vector<ClaimedChallenge>> {
    // SKIP LOCKED: a challenge another claimer is taking right now is left to it, and once it has
    // committed the lease is fresh, so no two claims ever return the same challenge.
    auto rows =
        c.exec(std::string("UPDATE challenges SET lease_owner = $1, lease_expires = ") + kDatabaseNow +
                   " + $2, resumed = resumed + 1 WHERE seq IN (SELECT seq FROM challenges WHERE status = "
                   "'processing' AND ($3 OR lease_expires < " +
                   kDatabaseNow +
                   ") ORDER BY seq LIMIT $4 FOR UPDATE SKIP LOCKED) "
                   "RETURNING id, authz_id, type, token, status, validated_at, error, resumed, seq",
               Params(claim.owner, lease_micros(), claim.scope == ClaimScope::all_processing,
                      static_cast<std::int64_t>(claim.limit)));
    if (!rows) return std::unexpected(rows.error());
    std::vector<std::pair<std::int64_t, ClaimedChallenge>> claimed;
    for (int i = 0; i < rows->size(); ++i) {
      claimed.emplace_back(rows->int64(i, 8), ClaimedChallenge{pg_rows::challenge_at(*rows, i, 0),
                                                               static_cast<int>(rows->int64(i, 7))});
    }
    std::sort(claimed.begin(), claimed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<ClaimedChallenge> out;
    for (auto& [seq, challenge] : claimed) out.push_back(std::move(challenge));
    return out;
  });
}

Result<bool> PgStore::redeem_nonce(const std::string& nonce, TimePoint expires, TimePoint now) {
  return with_connection([&](pg::Connection& c) -> Result<bool> {
    if (redemptions_.fetch_add(1, std::memory_order_relaxed) % kForgetEvery == kForgetEvery - 1) {
      auto forgot = c.exec(
          "DELETE FROM used_nonces WHERE nonce IN (SELECT nonce FROM used_nonces WHERE expires < $1 LIMIT "
          "$2)",
          Params(to_micros(now), kForgetBatch));
      if (!forgot) return std::unexpected(forgot.error());
    }
    // The primary key decides: of racing redemptions one inserts, the others wait for it and then
    // find the row (ON CONFLICT DO NOTHING inserts nothing).
    auto inserted = c.exec("INSERT INTO used_nonces (nonce, expires) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                           Params(nonce, to_micros(expires)));
    if (!inserted) return std::unexpected(inserted.error());
    return inserted->affected() == 1;
  });
}

Result<std::map<std::string, std::string>> PgStore::find_shared_files(const std::string& group) {
  return with_connection([&](pg::Connection& c) -> Result<std::map<std::string, std::string>> {
    auto rows = c.exec("SELECT name, content FROM shared_files WHERE grp = $1", Params(group));
    if (!rows) return std::unexpected(rows.error());
    std::map<std::string, std::string> files;
    for (int i = 0; i < rows->size(); ++i) files[rows->text(i, 0)] = rows->bytes(i, 1);
    return files;
  });
}

Result<bool> PgStore::publish_shared_files(const std::string& group,
                                           const std::map<std::string, std::string>& files) {
  return with_connection([&](pg::Connection& c) -> Result<bool> {
    auto tx = pg::Transaction::begin(c);
    if (!tx) return std::unexpected(tx.error());
    for (const auto& [name, content] : files) {
      // A racing publisher's row makes this wait for its commit, then insert nothing.
      auto inserted =
          c.exec("INSERT INTO shared_files (grp, name, content) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                 Params(group, name, pg::Bytes{content}));
      if (!inserted) return std::unexpected(inserted.error());
      if (inserted->affected() == 0) return false;  // rolled back as the transaction goes out of scope
    }
    if (auto committed = tx->commit(); !committed) return std::unexpected(committed.error());
    return true;
  });
}

Result<std::int64_t> PgStore::put_deployment_setting(const std::string& name, const std::string& value) {
  return in_transaction([&](pg::Connection& c) -> Result<std::int64_t> {
    // Changes take turns, so versions are handed out in commit order and a reader that saw
    // version n never misses a change numbered below n that commits later.
    constexpr std::int64_t kSettingsLock = 0x73657474696e67;  // "setting"
    if (auto locked = c.exec("SELECT pg_advisory_xact_lock($1)", Params(kSettingsLock)); !locked)
      return std::unexpected(locked.error());
    auto written = c.exec(
        "INSERT INTO deployment_settings (name, value, version) "
        "VALUES ($1, $2, (SELECT coalesce(max(version), 0) + 1 FROM deployment_settings)) "
        "ON CONFLICT (name) DO UPDATE SET value = excluded.value, version = excluded.version RETURNING "
        "version",
        Params(name, value));
    if (!written) return std::unexpected(written.error());
    return written->int64(0, 0);
  });
}

Result<std::vector<DeploymentSetting>> PgStore::list_deployment_settings(std::int64_t after_version) {
  return with_connection([&](pg::Connection& c) -> Result<std::vector<DeploymentSetting>> {
    auto rows =
        c.exec("SELECT name, value, version FROM deployment_settings WHERE version > $1 ORDER BY version",
               Params(after_version));
    if (!rows) return std::unexpected(rows.error());
    std::vector<DeploymentSetting> settings;
    for (int i = 0; i < rows->size(); ++i)
      settings.push_back({rows->text(i, 0), rows->text(i, 1), rows->int64(i, 2)});
    return settings;
  });
}

Result<DeploymentFigures> PgStore::deployment_figures() {
  return with_connection([&](pg::Connection& c) -> Result<DeploymentFigures> {
    auto counts = c.exec(
        "SELECT (SELECT count(*) FROM accounts), (SELECT count(*) FROM certificates), "
        "(SELECT count(*) FROM paused WHERE unpaused_at IS NULL)");
    if (!counts) return std::unexpected(counts.error());
    DeploymentFigures figures{.accounts = static_cast<std::uint64_t>(counts->int64(0, 0)),
                              .certificates = static_cast<std::uint64_t>(counts->int64(0, 1)),
                              .paused_pairs = static_cast<std::uint64_t>(counts->int64(0, 2))};
    auto leases = c.exec(
        "SELECT lease_owner, count(*) FROM challenges WHERE status = 'processing' GROUP BY lease_owner");
    if (!leases) return std::unexpected(leases.error());
    for (int i = 0; i < leases->size(); ++i)
      figures.leased_validations[leases->text(i, 0)] = static_cast<std::uint64_t>(leases->int64(i, 1));
    return figures;
  });
}

}  // namespace cobble::storage
