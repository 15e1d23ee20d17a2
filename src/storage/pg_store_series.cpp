// The operator dashboard's figures (issue #17) on PostgreSQL. Every instance adds its own counts to
// the same buckets: each add is an upsert that adds to whatever the row holds when it commits
// (INSERT ... ON CONFLICT DO UPDATE takes the row's lock), so concurrent adds never lose one.
// Rows are written in one order (series by name, minute, hour, total), so two flushes never wait
// for each other in a cycle.
#include <array>

#include "storage/pg_store.hpp"

namespace cobble::storage {
namespace {

using pg::Params;
constexpr std::array kResolutions{SeriesResolution::minute, SeriesResolution::hour};

}  // namespace

Result<void> PgStore::add_series_counts(const std::map<std::string, std::int64_t>& deltas, TimePoint at) {
  return in_transaction([&](pg::Connection& c) -> Result<void> {
    for (const auto& [series, delta] : deltas) {
      for (auto resolution : kResolutions) {
        auto added = c.exec(
            "INSERT INTO metric_series (series, resolution, bucket_start, value) VALUES ($1, $2, $3, $4) "
            "ON CONFLICT (series, resolution, bucket_start) "
            "DO UPDATE SET value = metric_series.value + excluded.value",
            Params(series, bucket_seconds(resolution), bucket_seconds_since_epoch(at, resolution), delta));
        if (!added) return std::unexpected(added.error());
      }
      auto totalled = c.exec(
          "INSERT INTO event_totals (name, value) VALUES ($1, $2) "
          "ON CONFLICT (name) DO UPDATE SET value = event_totals.value + excluded.value",
          Params(series, delta));
      if (!totalled) return std::unexpected(totalled.error());
    }
    return {};
  });
}

Result<void> PgStore::set_series_gauges(const std::map<std::string, std::int64_t>& values, TimePoint at) {
  return in_transaction([&](pg::Connection& c) -> Result<void> {
    for (const auto& [series, value] : values) {
      for (auto resolution : kResolutions) {
        auto set = c.exec(
            "INSERT INTO metric_series (series, resolution, bucket_start, value) VALUES ($1, $2, $3, $4) "
            "ON CONFLICT (series, resolution, bucket_start) DO UPDATE SET value = excluded.value",
            Params(series, bucket_seconds(resolution), bucket_seconds_since_epoch(at, resolution), value));
        if (!set) return std::unexpected(set.error());
      }
    }
    return {};
  });
}

Result<std::size_t> PgStore::prune_series(TimePoint minutes_before, TimePoint hours_before) {
  return with_connection([&](pg::Connection& c) -> Result<std::size_t> {
    auto deleted = c.exec(
        "DELETE FROM metric_series WHERE (resolution = $1 AND bucket_start < $2) OR "
        "(resolution = $3 AND bucket_start < $4)",
        Params(bucket_seconds(SeriesResolution::minute),
               bucket_seconds_since_epoch(minutes_before, SeriesResolution::minute),
               bucket_seconds(SeriesResolution::hour),
               bucket_seconds_since_epoch(hours_before, SeriesResolution::hour)));
    if (!deleted) return std::unexpected(deleted.error());
    return static_cast<std::size_t>(deleted->affected());
  });
}

Result<std::vector<SeriesPoint>> PgStore::read_series(const std::string& series, SeriesResolution resolution,
                                                      TimePoint since) {
  return with_connection([&](pg::Connection& c) -> Result<std::vector<SeriesPoint>> {
    auto rows = c.exec(
        "SELECT bucket_start, value FROM metric_series WHERE series = $1 AND resolution = $2 AND "
        "bucket_start >= $3 ORDER BY bucket_start",
        Params(series, bucket_seconds(resolution), bucket_seconds_since_epoch(since, resolution)));
    if (!rows) return std::unexpected(rows.error());
    std::vector<SeriesPoint> points;
    for (int i = 0; i < rows->size(); ++i)
      points.push_back({from_epoch_seconds(rows->int64(i, 0)), rows->int64(i, 1)});
    return points;
  });
}

Result<std::map<std::string, std::int64_t>> PgStore::read_event_totals() {
  return with_connection([&](pg::Connection& c) -> Result<std::map<std::string, std::int64_t>> {
    auto rows = c.exec("SELECT name, value FROM event_totals");
    if (!rows) return std::unexpected(rows.error());
    std::map<std::string, std::int64_t> totals;
    for (int i = 0; i < rows->size(); ++i) totals[rows->text(i, 0)] = rows->int64(i, 1);
    return totals;
  });
}

Result<std::vector<ValidationCounts>> PgStore::count_validations(SeriesResolution resolution,
                                                                 TimePoint since) {
  return with_connection([&](pg::Connection& c) -> Result<std::vector<ValidationCounts>> {
    // finished_at is in microseconds: integer division by the bucket's width in them is its number.
    auto rows = c.exec(
        "SELECT finished_at / $1 AS bucket, count(*) FILTER (WHERE result = 'valid'), "
        "count(*) FILTER (WHERE result = 'invalid') FROM validation_attempts WHERE finished_at >= $2 "
        "GROUP BY bucket ORDER BY bucket",
        Params(bucket_seconds(resolution) * 1'000'000, to_micros(bucket_start(since, resolution))));
    if (!rows) return std::unexpected(rows.error());
    std::vector<ValidationCounts> counts;
    for (int i = 0; i < rows->size(); ++i) {
      counts.push_back({from_epoch_seconds(rows->int64(i, 0) * bucket_seconds(resolution)),
                        static_cast<std::uint64_t>(rows->int64(i, 1)),
                        static_cast<std::uint64_t>(rows->int64(i, 2))});
    }
    return counts;
  });
}

Result<std::vector<AccountFailures>> PgStore::top_failing_accounts(TimePoint since, std::size_t limit) {
  return with_connection([&](pg::Connection& c) -> Result<std::vector<AccountFailures>> {
    auto rows = c.exec(
        "SELECT account_id, count(*) AS failures, max(finished_at) FROM validation_attempts "
        "WHERE finished_at >= $1 AND result = 'invalid' GROUP BY account_id "
        "ORDER BY failures DESC, account_id LIMIT $2",
        Params(to_micros(since), pg::count(limit)));
    if (!rows) return std::unexpected(rows.error());
    std::vector<AccountFailures> accounts;
    for (int i = 0; i < rows->size(); ++i) {
      accounts.push_back(
          {rows->int64(i, 0), static_cast<std::uint64_t>(rows->int64(i, 1)), from_micros(rows->int64(i, 2))});
    }
    return accounts;
  });
}

Result<std::vector<FailingPair>> PgStore::pairs_closest_to_pausing(TimePoint now, std::size_t limit) {
  return with_connection([&](pg::Connection& c) -> Result<std::vector<FailingPair>> {
    auto rows = c.exec(
        "SELECT b.account_id, b.identifier_type, b.identifier_value, b.tat FROM pause_buckets b "
        "WHERE b.tat > $1 AND NOT EXISTS (SELECT 1 FROM paused p WHERE p.account_id = b.account_id "
        "AND p.identifier_type = b.identifier_type AND p.identifier_value = b.identifier_value "
        "AND p.unpaused_at IS NULL) ORDER BY b.tat DESC LIMIT $2",
        Params(to_micros(now), pg::count(limit)));
    if (!rows) return std::unexpected(rows.error());
    std::vector<FailingPair> pairs;
    for (int i = 0; i < rows->size(); ++i) {
      pairs.push_back(
          {rows->int64(i, 0), {rows->text(i, 1), rows->text(i, 2)}, from_micros(rows->int64(i, 3))});
    }
    return pairs;
  });
}

Result<std::uint64_t> PgStore::count_paused_pairs() {
  return with_connection([&](pg::Connection& c) -> Result<std::uint64_t> {
    auto rows = c.exec("SELECT count(*) FROM paused WHERE unpaused_at IS NULL");
    if (!rows) return std::unexpected(rows.error());
    return static_cast<std::uint64_t>(rows->int64(0, 0));
  });
}

}  // namespace cobble::storage
