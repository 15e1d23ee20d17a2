// The operator dashboard's figures (issue #17): time series written by the recorder, and reads of
// the validation attempts and pause buckets. The reads run on the reader pool: a dashboard
// refreshing never holds up a commit.
#include <array>

#include "storage/sqlite_store.hpp"

namespace cobble::storage {
namespace {

using Lock = std::lock_guard<std::mutex>;
constexpr std::array kResolutions{SeriesResolution::minute, SeriesResolution::hour};

}  // namespace

Result<void> SqliteStore::add_series_counts(const std::map<std::string, std::int64_t>& deltas, TimePoint at) {
  Lock lock(mu_);
  auto tx = sql::Transaction::begin(db_);
  if (!tx) return std::unexpected(tx.error());
  for (const auto& [series, delta] : deltas) {
    for (auto resolution : kResolutions) {
      auto added = execute(
          "INSERT INTO metric_series (series, resolution, bucket_start, value) VALUES (?, ?, ?, ?) "
          "ON CONFLICT (series, resolution, bucket_start) DO UPDATE SET value = value + excluded.value",
          series, bucket_seconds(resolution), bucket_seconds_since_epoch(at, resolution), delta);
      if (!added) return std::unexpected(added.error());
    }
    auto totalled = execute(
        "INSERT INTO event_totals (name, value) VALUES (?, ?) "
        "ON CONFLICT (name) DO UPDATE SET value = value + excluded.value",
        series, delta);
    if (!totalled) return std::unexpected(totalled.error());
  }
  return tx->commit();
}

Result<void> SqliteStore::set_series_gauges(const std::map<std::string, std::int64_t>& values, TimePoint at) {
  Lock lock(mu_);
  auto tx = sql::Transaction::begin(db_);
  if (!tx) return std::unexpected(tx.error());
  for (const auto& [series, value] : values) {
    for (auto resolution : kResolutions) {
      auto set = execute(
          "INSERT INTO metric_series (series, resolution, bucket_start, value) VALUES (?, ?, ?, ?) "
          "ON CONFLICT (series, resolution, bucket_start) DO UPDATE SET value = excluded.value",
          series, bucket_seconds(resolution), bucket_seconds_since_epoch(at, resolution), value);
      if (!set) return std::unexpected(set.error());
    }
  }
  return tx->commit();
}

Result<std::size_t> SqliteStore::prune_series(TimePoint minutes_before, TimePoint hours_before) {
  Lock lock(mu_);
  auto deleted = execute(
      "DELETE FROM metric_series WHERE (resolution = ? AND bucket_start < ?) OR "
      "(resolution = ? AND bucket_start < ?)",
      bucket_seconds(SeriesResolution::minute),
      bucket_seconds_since_epoch(minutes_before, SeriesResolution::minute),
      bucket_seconds(SeriesResolution::hour),
      bucket_seconds_since_epoch(hours_before, SeriesResolution::hour));
  if (!deleted) return std::unexpected(deleted.error());
  return static_cast<std::size_t>(*deleted);
}

Result<std::vector<SeriesPoint>> SqliteStore::read_series(const std::string& series,
                                                          SeriesResolution resolution, TimePoint since) {
  return with_reader([&](Connection& c) -> Result<std::vector<SeriesPoint>> {
    auto cursor = c.statement(
        "SELECT bucket_start, value FROM metric_series WHERE series = ? AND resolution = ? AND "
        "bucket_start >= ? ORDER BY bucket_start");
    if (!cursor) return std::unexpected(cursor.error());
    sql::Statement& row = **cursor;
    row.bind_all(series, bucket_seconds(resolution), bucket_seconds_since_epoch(since, resolution));
    std::vector<SeriesPoint> points;
    while (true) {
      auto more = row.step();
      if (!more) return std::unexpected(more.error());
      if (!*more) return points;
      points.push_back({from_epoch_seconds(row.int64(0)), row.int64(1)});
    }
  });
}

Result<std::map<std::string, std::int64_t>> SqliteStore::read_event_totals() {
  return with_reader([&](Connection& c) -> Result<std::map<std::string, std::int64_t>> {
    auto cursor = c.statement("SELECT name, value FROM event_totals");
    if (!cursor) return std::unexpected(cursor.error());
    std::map<std::string, std::int64_t> totals;
    while (true) {
      auto more = (*cursor)->step();
      if (!more) return std::unexpected(more.error());
      if (!*more) return totals;
      totals[(*cursor)->text(0)] = (*cursor)->int64(1);
    }
  });
}

Result<std::vector<ValidationCounts>> SqliteStore::count_validations(SeriesResolution resolution,
                                                                     TimePoint since) {
  return with_reader([&](Connection& c) -> Result<std::vector<ValidationCounts>> {
    // finished_at is in microseconds: integer division by the bucket's width in them is its number.
    auto cursor = c.statement(
        "SELECT finished_at / ? AS bucket, sum(result = 'valid'), sum(result = 'invalid') "
        "FROM validation_attempts WHERE finished_at >= ? GROUP BY bucket ORDER BY bucket");
    if (!cursor) return std::unexpected(cursor.error());
    sql::Statement& row = **cursor;
    const std::int64_t width = bucket_seconds(resolution);
    row.bind_all(width * 1'000'000, to_micros(bucket_start(since, resolution)));
    std::vector<ValidationCounts> counts;
    while (true) {
      auto more = row.step();
      if (!more) return std::unexpected(more.error());
      if (!*more) return counts;
      counts.push_back({from_epoch_seconds(row.int64(0) * width), static_cast<std::uint64_t>(row.int64(1)),
                        static_cast<std::uint64_t>(row.int64(2))});
    }
  });
}

Result<std::vector<AccountFailures>> SqliteStore::top_failing_accounts(TimePoint since, std::size_t limit) {
  return with_reader([&](Connection& c) -> Result<std::vector<AccountFailures>> {
    auto cursor = c.statement(
        "SELECT account_id, count(*) AS failures, max(finished_at) FROM validation_attempts "
        "WHERE finished_at >= ? AND result = 'invalid' GROUP BY account_id "
        "ORDER BY failures DESC, account_id LIMIT ?");
    if (!cursor) return std::unexpected(cursor.error());
    sql::Statement& row = **cursor;
    row.bind_all(to_micros(since), static_cast<std::int64_t>(limit));
    std::vector<AccountFailures> accounts;
    while (true) {
      auto more = row.step();
      if (!more) return std::unexpected(more.error());
      if (!*more) return accounts;
      accounts.push_back({row.int64(0), static_cast<std::uint64_t>(row.int64(1)), from_micros(row.int64(2))});
    }
  });
}

Result<std::vector<FailingPair>> SqliteStore::pairs_closest_to_pausing(TimePoint now, std::size_t limit) {
  return with_reader([&](Connection& c) -> Result<std::vector<FailingPair>> {
    auto cursor = c.statement(
        "SELECT b.account_id, b.identifier_type, b.identifier_value, b.tat FROM pause_buckets b "
        "WHERE b.tat > ? AND NOT EXISTS (SELECT 1 FROM paused p WHERE p.account_id = b.account_id "
        "AND p.identifier_type = b.identifier_type AND p.identifier_value = b.identifier_value "
        "AND p.unpaused_at IS NULL) ORDER BY b.tat DESC LIMIT ?");
    if (!cursor) return std::unexpected(cursor.error());
    sql::Statement& row = **cursor;
    row.bind_all(to_micros(now), static_cast<std::int64_t>(limit));
    std::vector<FailingPair> pairs;
    while (true) {
      auto more = row.step();
      if (!more) return std::unexpected(more.error());
      if (!*more) return pairs;
      pairs.push_back({row.int64(0), {row.text(1), row.text(2)}, from_micros(row.int64(3))});
    }
  });
}

Result<std::uint64_t> SqliteStore::count_paused_pairs() {
  return with_reader([&](Connection& c) -> Result<std::uint64_t> {
    auto cursor = c.statement("SELECT count(*) FROM paused WHERE unpaused_at IS NULL");
    if (!cursor) return std::unexpected(cursor.error());
    auto row = (*cursor)->step();
    if (!row) return std::unexpected(row.error());
    return static_cast<std::uint64_t>((*cursor)->int64(0));
  });
}

}  // namespace cobble::storage
