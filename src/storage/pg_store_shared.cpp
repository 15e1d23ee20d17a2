// The PostgreSQL Store's state that instances race on: pause bookkeeping and paused pairs, ARI and
// CRL rows, rate-limit buckets. pg_store.hpp says which tool keeps each race-free.
#include <limits>

#include "storage/pg_store.hpp"

namespace cobble::storage {
namespace {

using common::fail;
using pg::Params;

}  // namespace

// Pausing. Every write of a pair's bucket or paused row runs under lock_pair, so a failure counted
// by one instance and an unpause or another failure on another never interleave their read and
// write.

Result<PauseEffect> PgStore::pause_locked(pg::Connection& c, std::int64_t account_id,
                                          const IdentifierRecord& identifier, TimePoint now,
                                          std::chrono::seconds grace) {
  auto rows = c.exec(
      "SELECT unpaused_at FROM paused WHERE account_id = $1 AND identifier_type = $2 AND identifier_value = "
      "$3",
      Params(account_id, identifier.type, identifier.value));
  if (!rows) return std::unexpected(rows.error());
  bool existed = !rows->empty();
  if (existed) {
    if (rows->is_null(0, 0)) return PauseEffect::already_paused;
    // The grace period: a pair unpaused less than `grace` ago is left alone.
    if (from_micros(rows->int64(0, 0)) + grace > now) return PauseEffect::skipped_for_grace;
  }
  auto written = c.exec(
      "INSERT INTO paused (account_id, identifier_type, identifier_value, paused_at, unpaused_at) "
      "VALUES ($1, $2, $3, $4, NULL) ON CONFLICT (account_id, identifier_type, identifier_value) "
      "DO UPDATE SET paused_at = excluded.paused_at, unpaused_at = NULL",
      Params(account_id, identifier.type, identifier.value, to_micros(now)));
  if (!written) return std::unexpected(written.error());
  return existed ? PauseEffect::repaused : PauseEffect::paused;
}

Result<PauseEffect> PgStore::apply_pause_bookkeeping(pg::Connection& c, bool valid,
                                                     const PauseBookkeeping& pause) {
  const auto& id = pause.pair;
  if (valid) {
    // A success resets the pair: the count is of consecutive failures. One statement: no lock.
    auto deleted = c.exec(
        "DELETE FROM pause_buckets WHERE account_id = $1 AND identifier_type = $2 AND identifier_value = $3",
        Params(pause.account_id, id.type, id.value));
    if (!deleted) return std::unexpected(deleted.error());
    return PauseEffect::none;
  }
  if (auto locked = lock_pair(c, pause.account_id, id); !locked) return std::unexpected(locked.error());
  auto rows = c.exec(
      "SELECT tat FROM pause_buckets WHERE account_id = $1 AND identifier_type = $2 AND identifier_value = "
      "$3",
      Params(pause.account_id, id.type, id.value));
  if (!rows) return std::unexpected(rows.error());
  std::optional<TimePoint> tat;
  if (!rows->empty()) tat = from_micros(rows->int64(0, 0));
  auto decision = common::gcra::spend(pause.failures, tat, pause.now);
  auto stored = c.exec(
      "INSERT INTO pause_buckets (account_id, identifier_type, identifier_value, tat) VALUES ($1, $2, $3, "
      "$4) "
      "ON CONFLICT (account_id, identifier_type, identifier_value) DO UPDATE SET tat = excluded.tat",
      Params(pause.account_id, id.type, id.value, to_micros(decision.new_tat)));
  if (!stored) return std::unexpected(stored.error());
  if (decision.allowed) return PauseEffect::none;
  return pause_locked(c, pause.account_id, id, pause.now, pause.grace);
}

Result<std::vector<IdentifierRecord>> PgStore::find_paused(std::int64_t account_id,
                                                           const std::vector<IdentifierRecord>& identifiers) {
  if (identifiers.empty()) return std::vector<IdentifierRecord>{};
  return with_connection([&](pg::Connection& c) -> Result<std::vector<IdentifierRecord>> {
    // All of an order's identifiers in one round trip: the pairs go as two parallel arrays.
    std::string types = "{";
    std::string values = "{";
    for (const auto& id : identifiers) {
      auto quote = [](const std::string& text) {
        std::string out = "\"";
        for (char ch : text) {
          if (ch == '"' || ch == '\\') out += '\\';
          out += ch;
        }
        return out + "\"";
      };
      types += (types.size() > 1 ? "," : "") + quote(id.type);
      values += (values.size() > 1 ? "," : "") + quote(id.value);
    }
    auto rows = c.exec(
        "SELECT p.identifier_type, p.identifier_value FROM paused p "
        "JOIN unnest($2::text[], $3::text[]) AS q(type, value) "
        "ON p.identifier_type = q.type AND p.identifier_value = q.value "
        "WHERE p.account_id = $1 AND p.unpaused_at IS NULL",
        Params(account_id, types + "}", values + "}"));
    if (!rows) return std::unexpected(rows.error());
    std::vector<IdentifierRecord> paused;
    for (const auto& id : identifiers) {  // in the order asked, as the SQLite store answers
      for (int i = 0; i < rows->size(); ++i) {
        if (rows->text(i, 0) == id.type && rows->text(i, 1) == id.value) {
          paused.push_back(id);
          break;
        }
      }
    }
    return paused;
  });
}

Result<std::vector<IdentifierRecord>> PgStore::list_paused(std::int64_t account_id, std::size_t limit) {
  return with_connection([&](pg::Connection& c) -> Result<std::vector<IdentifierRecord>> {
    auto rows = c.exec(
        "SELECT identifier_type, identifier_value FROM paused WHERE account_id = $1 AND unpaused_at IS NULL "
        "ORDER BY paused_at LIMIT $2",
        Params(account_id, pg::count(limit)));
    if (!rows) return std::unexpected(rows.error());
    std::vector<IdentifierRecord> out;
    for (int i = 0; i < rows->size(); ++i) out.push_back({rows->text(i, 0), rows->text(i, 1)});
    return out;
  });
}

Result<std::size_t> PgStore::unpause_account(std::int64_t account_id, std::size_t limit, TimePoint now) {
  return with_connection([&](pg::Connection& c) -> Result<std::size_t> {
    // One statement. FOR UPDATE locks the batch; a concurrent unpause (another instance's portal)
    // waits, then re-reads and skips the rows already unpaused, so no pair is counted twice.
    auto changed = c.exec(
        "UPDATE paused SET unpaused_at = $1 WHERE unpaused_at IS NULL AND "
        "(account_id, identifier_type, identifier_value) IN (SELECT account_id, identifier_type, "
        "identifier_value "
        "FROM paused WHERE account_id = $2 AND unpaused_at IS NULL ORDER BY paused_at LIMIT $3 FOR UPDATE)",
        Params(to_micros(now), account_id, pg::count(limit)));
    if (!changed) return std::unexpected(changed.error());
    return static_cast<std::size_t>(changed->affected());
  });
}

Result<PauseEffect> PgStore::pause_pair(std::int64_t account_id, const IdentifierRecord& identifier,
                                        TimePoint now, std::chrono::seconds grace) {
  return in_transaction([&](pg::Connection& c) -> Result<PauseEffect> {
    if (auto locked = lock_pair(c, account_id, identifier); !locked) return std::unexpected(locked.error());
    return pause_locked(c, account_id, identifier, now, grace);
  });
}

Result<std::vector<std::pair<std::int64_t, std::size_t>>> PgStore::count_paused(std::size_t limit) {
  return with_connection([&](pg::Connection& c) -> Result<std::vector<std::pair<std::int64_t, std::size_t>>> {
    auto rows = c.exec(
        "SELECT account_id, count(*) AS n FROM paused WHERE unpaused_at IS NULL GROUP BY account_id "
        "ORDER BY n DESC, account_id LIMIT $1",
        Params(pg::count(limit)));
    if (!rows) return std::unexpected(rows.error());
    std::vector<std::pair<std::int64_t, std::size_t>> out;
    for (int i = 0; i < rows->size(); ++i)
      out.emplace_back(rows->int64(i, 0), static_cast<std::size_t>(rows->int64(i, 1)));
    return out;
  });
}

// ARI and CRLs

Result<std::vector<RevokedRecord>> PgStore::list_revoked(TimePoint expiring_after) {
  return with_connection([&](pg::Connection& c) -> Result<std::vector<RevokedRecord>> {
    auto rows = c.exec(
        "SELECT serial, revoked_at, revocation_reason, issuer FROM certificates "
        "WHERE revoked_at IS NOT NULL AND not_after > $1 ORDER BY serial",
        Params(to_micros(expiring_after)));
    if (!rows) return std::unexpected(rows.error());
    std::vector<RevokedRecord> revoked;
    for (int i = 0; i < rows->size(); ++i) {
      revoked.push_back({rows->text(i, 0), from_micros(rows->int64(i, 1)),
                         static_cast<int>(rows->int64(i, 2)), rows->text(i, 3)});
    }
    return revoked;
  });
}

Result<std::vector<OrderRecord>> PgStore::find_orders_replacing(const std::string& serial) {
  return with_connection([&](pg::Connection& c) -> Result<std::vector<OrderRecord>> {
    auto rows = c.exec("SELECT id FROM orders WHERE replaces_serial = $1 ORDER BY seq", Params(serial));
    if (!rows) return std::unexpected(rows.error());
    std::vector<OrderRecord> orders;
    for (int i = 0; i < rows->size(); ++i) {
      auto order = load_order(c, rows->text(i, 0));
      if (!order) return std::unexpected(order.error());
      orders.push_back(std::move(*order));
    }
    return orders;
  });
}

Result<void> PgStore::set_renewal_info(const std::string& serial, const std::string& response, TimePoint at) {
  return with_connection([&](pg::Connection& c) -> Result<void> {
    auto written = c.exec(
        "INSERT INTO renewal_info_overrides (serial, response, set_at) VALUES ($1, $2, $3) "
        "ON CONFLICT (serial) DO UPDATE SET response = excluded.response, set_at = excluded.set_at",
        Params(serial, response, to_micros(at)));
    if (!written && written.error().code == std::errc::no_such_file_or_directory)
      return fail(std::errc::no_such_file_or_directory, "certificate " + serial + " not found");
    if (!written) return std::unexpected(written.error());
    return {};
  });
}

Result<std::string> PgStore::find_renewal_info(const std::string& serial) {
  return with_connection([&](pg::Connection& c) -> Result<std::string> {
    auto rows = c.exec("SELECT response FROM renewal_info_overrides WHERE serial = $1", Params(serial));
    if (!rows) return std::unexpected(rows.error());
    if (rows->empty()) return fail(std::errc::no_such_file_or_directory, "no renewal info set for " + serial);
    return rows->text(0, 0);
  });
}

// Rate-limit buckets: each change is a compare-and-set on one row (a conditional UPDATE or DELETE,
// or an INSERT that does nothing when a row appeared meanwhile), all in one transaction.

Result<std::map<std::string, TimePoint>> PgStore::find_rate_limit_buckets(
    const std::vector<std::string>& keys) {
  return with_connection([&](pg::Connection& c) -> Result<std::map<std::string, TimePoint>> {
    std::map<std::string, TimePoint> found;
    for (const auto& key : keys) {
      auto rows = c.exec("SELECT tat FROM rate_limit_buckets WHERE key = $1", Params(key));
      if (!rows) return std::unexpected(rows.error());
      if (!rows->empty()) found[key] = from_micros(rows->int64(0, 0));
    }
    return found;
  });
}

Result<bool> PgStore::update_rate_limit_buckets(const std::vector<RateLimitBucketChange>& changes) {
  return with_connection([&](pg::Connection& c) -> Result<bool> {
    auto tx = pg::Transaction::begin(c);
    if (!tx) return std::unexpected(tx.error());
    for (const auto& change : changes) {
      Result<pg::Rows> changed = std::unexpected(common::Error{std::errc::invalid_argument, ""});
      if (!change.expected && change.tat) {
        changed = c.exec("INSERT INTO rate_limit_buckets (key, tat) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                         Params(change.key, to_micros(*change.tat)));
      } else if (!change.expected) {
        // Nothing to write: the change holds only while the bucket still has no row.
        auto rows = c.exec("SELECT 1 FROM rate_limit_buckets WHERE key = $1", Params(change.key));
        if (!rows) return std::unexpected(rows.error());
        if (!rows->empty()) return false;
        continue;
      } else if (change.tat) {
        changed = c.exec("UPDATE rate_limit_buckets SET tat = $1 WHERE key = $2 AND tat = $3",
                         Params(to_micros(*change.tat), change.key, to_micros(*change.expected)));
      } else {
        changed = c.exec("DELETE FROM rate_limit_buckets WHERE key = $1 AND tat = $2",
                         Params(change.key, to_micros(*change.expected)));
      }
      if (!changed) return std::unexpected(changed.error());
      if (changed->affected() != 1) return false;  // the transaction rolls back as it goes out of scope
    }
    if (auto committed = tx->commit(); !committed) return std::unexpected(committed.error());
    return true;
  });
}

Result<std::vector<std::pair<std::string, TimePoint>>> PgStore::list_rate_limit_buckets(
    const std::string& prefix, std::size_t limit) {
  return with_connection([&](pg::Connection& c) -> Result<std::vector<std::pair<std::string, TimePoint>>> {
    auto rows = c.exec(
        "SELECT key, tat FROM rate_limit_buckets WHERE key LIKE $1 ESCAPE '\\' ORDER BY tat DESC, key LIMIT "
        "$2",
        Params(like_prefix(prefix), pg::count(limit)));
    if (!rows) return std::unexpected(rows.error());
    std::vector<std::pair<std::string, TimePoint>> buckets;
    for (int i = 0; i < rows->size(); ++i)
      buckets.emplace_back(rows->text(i, 0), from_micros(rows->int64(i, 1)));
    return buckets;
  });
}

Result<std::size_t> PgStore::delete_rate_limit_buckets(const std::string& prefix) {
  return with_connection([&](pg::Connection& c) -> Result<std::size_t> {
    auto deleted =
        c.exec("DELETE FROM rate_limit_buckets WHERE key LIKE $1 ESCAPE '\\'", Params(like_prefix(prefix)));
    if (!deleted) return std::unexpected(deleted.error());
    return static_cast<std::size_t>(deleted->affected());
  });
}

Result<bool> PgStore::has_certificate_for_set(const std::string& identifier_set, TimePoint since) {
  if (identifier_set.empty()) return false;
  return with_connection([&](pg::Connection& c) -> Result<bool> {
    auto rows = c.exec("SELECT 1 FROM certificates WHERE identifier_set = $1 AND not_before >= $2 LIMIT 1",
                       Params(identifier_set, to_micros(since)));
    if (!rows) return std::unexpected(rows.error());
    return !rows->empty();
  });
}

}  // namespace cobble::storage
