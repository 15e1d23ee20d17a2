#include "app/series_recorder.hpp"

#include <spdlog/spdlog.h>

#include "authority/activity.hpp"

namespace cobble::app {

void SeriesRecorder::flush() {
  std::lock_guard lock(mu_);
  const auto now = clock_.now();
  write_counts(now);
  sample_gauges(now);
  if (flushes_++ % kPruneEvery == 0) prune(now);
}

std::map<std::string, std::uint64_t> SeriesRecorder::unwritten() {
  auto counts = counts_ ? counts_() : std::map<std::string, std::uint64_t>{};
  std::lock_guard lock(mu_);
  for (auto& [name, count] : counts) {
    auto before = written_.find(name);
    std::uint64_t base = before == written_.end() ? 0 : before->second;
    count = count >= base ? count - base : count;
  }
  return counts;
}

void SeriesRecorder::write_counts(common::TimePoint now) {
  auto counts = counts_ ? counts_() : std::map<std::string, std::uint64_t>{};
  std::map<std::string, std::int64_t> deltas;
  for (const auto& [name, count] : counts) {
    auto before = written_.find(name);
    std::uint64_t base = before == written_.end() ? 0 : before->second;
    // A count below the one written was rewired to another source: all of it is new.
    auto delta = count >= base ? count - base : count;
    if (delta > 0) deltas[name] = static_cast<std::int64_t>(delta);
  }
  if (deltas.empty()) return;
  if (auto added = store_.add_series_counts(deltas, now); !added)
    return failed("write counts", added.error());
  worked("write counts");
  for (const auto& [name, count] : counts) written_[name] = count;
}

void SeriesRecorder::sample_gauges(common::TimePoint now) {
  if (!gauges_) return;
  auto values = gauges_();
  if (!values) return failed("sample gauges", values.error());
  // The minute's bucket already holds these values: a flush every 10 s need not write them 6 times.
  auto minute = storage::bucket_start(now, storage::SeriesResolution::minute);
  if (minute == sampled_minute_ && *values == sampled_) return;
  if (auto set = store_.set_series_gauges(*values, now); !set) return failed("sample gauges", set.error());
  worked("sample gauges");
  sampled_minute_ = minute;
  sampled_ = std::move(*values);
}

void SeriesRecorder::prune(common::TimePoint now) {
  auto pruned = store_.prune_series(now - authority::kLastDay.length, now - authority::kLastMonth.length);
  if (!pruned) return failed("prune", pruned.error());
  worked("prune");
  if (*pruned > 0) spdlog::debug("dashboard series: pruned {} old buckets", *pruned);
}

void SeriesRecorder::failed(const std::string& what, const common::Error& error) {
  if (std::exchange(failing_[what], true)) return;
  spdlog::warn("dashboard series: cannot {}: {} (retried every {} s; counts are kept meanwhile)", what,
               error.message, kFlushEvery.count());
}

void SeriesRecorder::worked(const std::string& what) {
  if (std::exchange(failing_[what], false)) spdlog::info("dashboard series: {} works again", what);
}

std::unique_ptr<SeriesRecorder> dashboard_recorder(storage::Store& store, const common::Clock& clock,
                                                   const authority::Pauses* pauses,
                                                   const authority::RateLimits* rate_limits) {
  return std::make_unique<SeriesRecorder>(
      store, clock, [pauses, rate_limits] { return authority::activity_counters(pauses, rate_limits); },
      [&store]() -> common::Result<std::map<std::string, std::int64_t>> {
        auto paused = store.count_paused_pairs();
        if (!paused) return std::unexpected(paused.error());
        return std::map<std::string, std::int64_t>{
            {std::string(authority::series::kPausedPairs), static_cast<std::int64_t>(*paused)}};
      });
}

}  // namespace cobble::app
