#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "common/gcra.hpp"

namespace cobble::pause {

// When an (account, identifier) pair is paused and what the unpause flow may do (pausing.md).
// The failures limit is spent once per failed authorization of the pair; the first denied spend
// pauses it; a successful validation deletes the bucket.
struct PausePolicy {
  common::gcra::Limit failures{3600, 1, std::chrono::hours(24)};
  // After an unpause the pair cannot be re-paused for this long (enforced by storage's pause).
  std::chrono::days grace{14};
  // Lifetime of the unpause link; make_unpause_token() never issues a shorter one.
  std::chrono::seconds link_lifetime{std::chrono::days(14)};
  // Paused identifiers named in the problem detail and carried in the link (Boulder: LIMIT 15).
  std::size_t max_listed_identifiers = 15;
  // Identifiers unpaused by one click of the portal button (Boulder: 5 batches of 10,000).
  std::size_t max_unpaused_per_request = 50'000;

  // Boulder's shipped default and the table Let's Encrypt published on 2024-12-05:
  // burst 3600, refill 1 per 24 h.
  static PausePolicy lets_encrypt_2024();
  // Let's Encrypt production since 2025-07-10: burst 1152, refill 1 per 24 h.
  static PausePolicy lets_encrypt_2025();
  // Let's Encrypt staging, documented as "3600 per 6 hours". Let's Encrypt's rate-limit pages
  // write "N per P" for a bucket of N that refills completely over P (production's failed
  // validations limit "5 per hour" refills 1 per 12 minutes), so this is burst 3600, count 3600,
  // period 6 h: one token back every 6 s, 14,400 a day. No steady client below that rate is ever
  // paused, which is what a CA for testing clients wants.
  static PausePolicy staging();
};

// What a steady failure rate leads to under `policy.failures`, found by simulating the GCRA of
// gcra.hpp with a fresh bucket and evenly spaced failures, the first at day 0.
struct PauseForecast {
  // 1-based number of the failure the bucket denies, which is the one that pauses the pair.
  std::int64_t pausing_failure = 0;
  // Days from the first failure to that pausing failure.
  double days_to_pausing_failure = 0;
  // Days from the first failure until the bucket runs dry: the figure Let's Encrypt publishes
  // (burst / (failures per day − refill per day)). The pausing failure comes within one failure
  // interval before it, once fewer than one token is left. See policy.cpp.
  double days = 0;
};

// nullopt means "never": failures_per_day is not positive, is not above the refill rate
// (the bucket never runs out), or the pair would not be paused within 200 years or 100 million
// failures. Pure; never throws.
std::optional<PauseForecast> forecast_pause(const PausePolicy& policy, double failures_per_day);

// forecast_pause(...)->days, or nullopt for "never".
std::optional<double> days_until_paused(const PausePolicy& policy, double failures_per_day);

// "24h", "6h", "12m", "90s", or nanoseconds when the period is not a whole number of seconds.
std::string describe_period(common::gcra::Duration period);
// "burst 3600, refill 1 per 24h".
std::string describe(const common::gcra::Limit& limit);

// A plain-text table of days until paused (2 decimals, or "never") and the pausing failure's
// number, for 1, 2, 5, 10, 40 and 120 failures per day, headed by the limit it describes.
std::string published_table(const PausePolicy& policy);

}  // namespace cobble::pause
