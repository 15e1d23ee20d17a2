#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "authority/pauses.hpp"
#include "authority/rate_limits.hpp"
#include "common/clock.hpp"
#include "common/result.hpp"
#include "storage/store.hpp"

namespace cobble::app {

// Writes the operator dashboard's time series (issue #17; authority/activity.hpp names them): on
// each flush(), how much each of this process's counts grew since the last flush that was written,
// into the current minute and hour and the totals (Store::add_series_counts, which every instance
// adds to); then a sample of each gauge; and now and then it deletes minute buckets older than a
// day and hour buckets older than 30 days. Times are ACME time (`clock`).
// A flush that cannot write keeps what it could not write for the next one, so a database outage
// loses no count (it lands in a later bucket). Never throws. Thread-safe; `store` and `clock`
// must outlive it. app/components.cpp runs flush() every kFlushEvery on the recorder thread.
class SeriesRecorder {
 public:
  // Counts since the process started, by series name (cumulative: they only grow).
  using Counts = std::function<std::map<std::string, std::uint64_t>()>;
  // The gauges' values now, by series name; an error skips this sample.
  using Gauges = std::function<common::Result<std::map<std::string, std::int64_t>>()>;

  static constexpr std::chrono::seconds kFlushEvery{10};
  static constexpr std::size_t kPruneEvery = 60;  // flushes: every 10 minutes, and the first

  SeriesRecorder(storage::Store& store, const common::Clock& clock, Counts counts, Gauges gauges)
      : store_(store), clock_(clock), counts_(std::move(counts)), gauges_(std::move(gauges)) {}

  void flush();
  // How much each count grew since the last flush that was written: what the database's totals
  // do not hold yet. Read it after the totals, so a flush in between makes the sum too low for a
  // moment, never too high (a counter must not go back).
  std::map<std::string, std::uint64_t> unwritten();

 private:
  void write_counts(common::TimePoint now);
  void sample_gauges(common::TimePoint now);
  void prune(common::TimePoint now);
  // Logs a failure once, until `what` works again.
  void failed(const std::string& what, const common::Error& error);
  void worked(const std::string& what);

  storage::Store& store_;
  const common::Clock& clock_;
  const Counts counts_;
  const Gauges gauges_;
  std::mutex mu_;                                 // one flush at a time; guards what follows
  std::map<std::string, std::uint64_t> written_;  // each count as of the last flush written
  std::map<std::string, std::int64_t> sampled_;   // the gauges last written, in sampled_minute_
  common::TimePoint sampled_minute_{};
  std::size_t flushes_ = 0;
  std::map<std::string, bool> failing_;  // by what: whether its last attempt failed
};

// The recorder the server runs: the pause counters and rate-limit denials of `pauses` and
// `rate_limits` (either may be null; authority::activity_counters) and the paused pairs gauge.
std::unique_ptr<SeriesRecorder> dashboard_recorder(storage::Store& store, const common::Clock& clock,
                                                   const authority::Pauses* pauses,
                                                   const authority::RateLimits* rate_limits);

}  // namespace cobble::app
