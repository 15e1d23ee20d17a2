// Rate-limit buckets (issue #15), on the same connection and lock as the rest.
#include "storage/sqlite_store.hpp"

namespace cobble::storage {
namespace {
using Lock = std::lock_guard<std::mutex>;

}  // namespace

Result<std::map<std::string, TimePoint>> SqliteStore::find_rate_limit_buckets(
    const std::vector<std::string>& keys) {
  return with_reader([&](Connection& c) -> Result<std::map<std::string, TimePoint>> {
    std::map<std::string, TimePoint> found;
    for (const auto& key : keys) {
      auto cursor = c.statement("SELECT tat FROM rate_limit_buckets WHERE key = ?");
      if (!cursor) return std::unexpected(cursor.error());
      auto row = (*cursor)->bind(1, key).step();
      if (!row) return std::unexpected(row.error());
      if (*row) found[key] = from_micros((*cursor)->int64(0));
    }
    return found;
  });
}

Result<bool> SqliteStore::update_rate_limit_buckets(const std::vector<RateLimitBucketChange>& changes) {
  Lock lock(mu_);
  auto tx = sql::Transaction::begin(db_);
  if (!tx) return std::unexpected(tx.error());
  for (const auto& change : changes) {
    Result<std::int64_t> changed = 0;
    if (!change.expected && change.tat) {
      changed = execute("INSERT INTO rate_limit_buckets (key, tat) VALUES (?, ?) ON CONFLICT DO NOTHING",
                        change.key, to_micros(*change.tat));
    } else if (!change.expected) {
      // Nothing to write: the change holds only while the bucket still has no row.
      auto cursor = statement("SELECT 1 FROM rate_limit_buckets WHERE key = ?");
      if (!cursor) return std::unexpected(cursor.error());
      auto row = (*cursor)->bind(1, change.key).step();
      if (!row) return std::unexpected(row.error());
      changed = *row ? 0 : 1;
    } else if (change.tat) {
      changed = execute("UPDATE rate_limit_buckets SET tat = ? WHERE key = ? AND tat = ?",
                        to_micros(*change.tat), change.key, to_micros(*change.expected));
    } else {
      changed = execute("DELETE FROM rate_limit_buckets WHERE key = ? AND tat = ?", change.key,
                        to_micros(*change.expected));
    }
    if (!changed) return std::unexpected(changed.error());
    if (*changed != 1) return false;  // the transaction rolls back as it goes out of scope
  }
  if (auto committed = tx->commit(); !committed) return std::unexpected(committed.error());
  return true;
}

Result<std::vector<std::pair<std::string, TimePoint>>> SqliteStore::list_rate_limit_buckets(
    const std::string& prefix, std::size_t limit) {
  Lock lock(mu_);
  auto cursor = statement(
      "SELECT key, tat FROM rate_limit_buckets WHERE key LIKE ? ESCAPE '\\' "
      "ORDER BY tat DESC, key LIMIT ?");
  if (!cursor) return std::unexpected(cursor.error());
  sql::Statement& row = **cursor;
  row.bind(1, like_prefix(prefix));
  row.bind(2, static_cast<std::int64_t>(limit));
  std::vector<std::pair<std::string, TimePoint>> buckets;
  while (true) {
    auto found = row.step();
    if (!found) return std::unexpected(found.error());
    if (!*found) return buckets;
    buckets.emplace_back(row.text(0), from_micros(row.int64(1)));
  }
}

Result<std::size_t> SqliteStore::delete_rate_limit_buckets(const std::string& prefix) {
  Lock lock(mu_);
  auto deleted = execute("DELETE FROM rate_limit_buckets WHERE key LIKE ? ESCAPE '\\'", like_prefix(prefix));
  if (!deleted) return std::unexpected(deleted.error());
  return static_cast<std::size_t>(*deleted);
}

Result<bool> SqliteStore::has_certificate_for_set(const std::string& identifier_set, TimePoint since) {
  if (identifier_set.empty()) return false;
  return with_reader([&](Connection& c) -> Result<bool> {
    auto cursor =
        c.statement("SELECT 1 FROM certificates WHERE identifier_set = ? AND not_before >= ? LIMIT 1");
    if (!cursor) return std::unexpected(cursor.error());
    (*cursor)->bind(1, identifier_set);
    (*cursor)->bind(2, to_micros(since));
    return (*cursor)->step();
  });
}

}  // namespace cobble::storage
