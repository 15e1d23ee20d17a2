#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "common/clock.hpp"

namespace cobble::common::gcra {

using common::TimePoint;
using Duration = std::chrono::system_clock::duration;  // nanoseconds, as Boulder counts

// A GCRA limit: a bucket of `burst` tokens that refills `count` tokens per `period`.
// emission interval = period / count (integer nanoseconds, truncated as Boulder's Go does);
// burst offset = emission interval × burst.
struct Limit {
  std::int64_t burst = 1;
  std::int64_t count = 1;
  Duration period = std::chrono::hours(24);

  // False when burst or count is below 1, the emission interval is below 1 ns, or the burst offset
  // does not fit in 64-bit nanoseconds. spend() denies every spend against an invalid limit.
  bool valid() const;
  Duration emission_interval() const { return period / count; }
  Duration burst_offset() const { return emission_interval() * burst; }
  // Refill per day in tokens (count × 24 h / period), for forecasts.
  double tokens_per_day() const;
};

struct SpendResult {
  bool allowed = false;
  // The TAT to persist. On a denied spend this is max(now, stored TAT): a denial never advances it.
  TimePoint new_tat;
  // Whole tokens left after this spend (allowed) or available now (denied), truncated toward zero.
  std::int64_t remaining = 0;
  // Allowed: zero, or how long until one more token of `cost` could be spent when the bucket is
  // now short of it. Denied: how long until this same spend would be allowed; Duration::max() if it
  // never can be (cost above burst, negative cost, or an invalid limit).
  Duration retry_in{0};
};

// One GCRA decision, as Boulder's ratelimits/gcra.go maybeSpend (boulder.md §1.2):
//   tat = max(now, stored TAT or now); new = tat + cost×EI; diff = now − (new − burst offset)
//   diff < 0 → denied, TAT unchanged, retry_in = −diff; else allowed, remaining = diff / EI.
// `tat` is nullopt for a fresh (or reset) bucket, which is full. A fresh bucket allows exactly
// `burst` spends of cost 1 at one instant; the next is denied. Cost 0 only reads the bucket.
// A clock that moves backwards only makes the bucket look emptier (tat stays at the stored
// value): it never grants extra tokens. Pure; never throws.
SpendResult spend(const Limit& limit, std::optional<TimePoint> tat, TimePoint now, std::int64_t cost = 1);

// Tokens available at `now`, fractional: (now − (max(now, tat) − burst offset)) / EI, i.e. what
// spend() truncates into `remaining` before spending. `burst` for a fresh bucket; 0 for an invalid
// limit. For forecasts (policy.hpp), not for decisions.
double tokens_available(const Limit& limit, std::optional<TimePoint> tat, TimePoint now);

}  // namespace cobble::common::gcra
