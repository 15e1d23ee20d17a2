#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "acme/problem.hpp"
#include "authority/pauses.hpp"
#include "authority/rate_limits.hpp"
#include "common/clock.hpp"
#include "common/gcra.hpp"
#include "storage/store.hpp"

// What the CA has been doing, for the operator dashboard (issue #17): the time series the recorder
// (app/series_recorder) writes, and figures read straight from the validation attempts and pause
// buckets. Times are ACME time (the fake clock moves them).
namespace cobble::authority {

// The series names. Counts (the recorder adds what happened in each minute and hour):
namespace series {
inline constexpr std::string_view kPaused = "paused";                      // pairs newly paused
inline constexpr std::string_view kRepaused = "repaused";                  // paused again after an unpause
inline constexpr std::string_view kSkippedForGrace = "skipped_for_grace";  // not re-paused: in grace
inline constexpr std::string_view kUnpaused = "unpaused";                  // pairs unpaused
inline constexpr std::string_view kRefusedOrders = "refused_orders";       // new orders refused: paused
inline constexpr std::string_view kRateLimitDenied = "rate_limit_denied";  // every limit together
// One limit's denials: "rate_limit_denied:NewOrdersPerAccount".
std::string rate_limit_denied(ratelimit::LimitName limit);
// A gauge (the latest sample of each bucket): pairs paused at the time.
inline constexpr std::string_view kPausedPairs = "paused_pairs";
}  // namespace series

// A span the dashboard shows, and the buckets it shows it in. The recorder keeps each resolution's
// buckets for as long as its window.
struct Window {
  std::string_view name;  // "24h", "30d"
  storage::SeriesResolution resolution;
  std::chrono::seconds length;
};
inline constexpr Window kLastDay{"24h", storage::SeriesResolution::minute, std::chrono::hours(24)};
inline constexpr Window kLastMonth{"30d", storage::SeriesResolution::hour, std::chrono::days(30)};
// kLastDay or kLastMonth by name; nullopt for any other.
std::optional<Window> window_named(std::string_view name);

// Counts since this process started, by series name, for the recorder to write their increase:
// the pause counters and each rate limit's denials (and their sum). Either may be null.
std::map<std::string, std::uint64_t> activity_counters(const Pauses* pauses, const RateLimits* rate_limits);

// Failures a pair may still have before the next one pauses it, if they all came now: the whole
// tokens its bucket holds at `now` (a full bucket holds `burst`). Pure.
std::int64_t failures_left(const common::gcra::Limit& limit, common::TimePoint tat, common::TimePoint now);

// A failing pair, as the dashboard lists those nearest to being paused.
struct PairNearPause {
  std::int64_t account_id = 0;
  storage::IdentifierRecord identifier;
  std::int64_t failures_left = 0;  // failures_left(): the next failure after these pauses it
  std::int64_t burst = 0;          // failures a fresh pair may have
  common::TimePoint full_at{};     // when its bucket is full again, if it fails no more (the TAT)
};

// Reads for the dashboard. Storage failures become serverInternal problems (503 when they may
// pass). Thread-safe; `store` and `clock` must outlive it.
class Activity {
 public:
  Activity(storage::Store& store, const common::Clock& clock, common::gcra::Limit pause_failures)
      : store_(store), clock_(clock), pause_failures_(pause_failures) {}

  common::TimePoint now() const { return clock_.now(); }
  // The window's first instant as of `now`.
  static common::TimePoint since(const Window& window, common::TimePoint now) { return now - window.length; }

  // A series' buckets in `window` up to `now`, oldest first; buckets nothing was written to are absent.
  acme::Result<std::vector<storage::SeriesPoint>> series(std::string_view name, const Window& window,
                                                         common::TimePoint now) const;
  // Validations finished in `window`, per bucket by result.
  acme::Result<std::vector<storage::ValidationCounts>> validations(const Window& window,
                                                                   common::TimePoint now) const;
  // The `limit` accounts with the most failed validations in `window`.
  acme::Result<std::vector<storage::AccountFailures>> top_failing_accounts(const Window& window,
                                                                           common::TimePoint now,
                                                                           std::size_t limit) const;
  // The `limit` unpaused pairs with the fewest failures left before a pause, fewest first.
  acme::Result<std::vector<PairNearPause>> pairs_closest_to_pausing(common::TimePoint now,
                                                                    std::size_t limit) const;
  // Every count ever recorded, by series (all instances, across restarts; /reset clears them).
  acme::Result<std::map<std::string, std::int64_t>> totals() const;

 private:
  storage::Store& store_;
  const common::Clock& clock_;
  const common::gcra::Limit pause_failures_;
};

}  // namespace cobble::authority
