#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "pause/pause_policy.hpp"

namespace cobble::pause {

// Weeks of zombie traffic replayed against the server's pause rules, for `cobble-pause-table`:
// the same GCRA spend (common/gcra.hpp) on the same stored TAT that storage's pause bookkeeping
// does, so what the simulator says is what Cobble would do. The rules it replays:
// - a failed validation spends 1 from the pair's bucket (a fresh bucket when there is none) and the
//   TAT the spend returns is stored even when denied; a denied spend pauses the pair unless the pair
//   was unpaused less than `policy.grace` ago (then it only counts as denied in grace);
// - a successful validation deletes the pair's bucket (the count is of consecutive failures);
// - a paused pair's client is refused at newOrder, so its validations do not happen: those it
//   would have failed are the work pausing avoided;
// - a click on the unpause link unpauses every paused pair of the account (the portal's button);
//   the bucket is left as it is, so the next failures after the grace period re-pause the pair.

// One (account, identifier) pair's traffic. Validations are evenly spaced from `start_day`: the
// k-th failure at start_day + k / failures_per_day (k = 0, 1, ...), the same spacing as
// forecast_pause(); successes likewise. Of a failure and a success at the same instant, the
// success comes first.
struct PairTraffic {
  std::string account;
  std::string identifier;
  double failures_per_day = 0;
  double successes_per_day = 0;
  double start_day = 0;
  // A person clicks the unpause link this many days after each pause of this pair (nullopt: never).
  std::optional<double> unpause_after_days;
};

// What happened to one pair within the horizon. Days count from the simulation's day 0.
struct PairOutcome {
  std::optional<double> first_paused_day;  // the pausing failure's time; nullopt: never paused
  // The pausing failure's number among the pair's failed validations (1-based), as forecast_pause()
  // counts it; 0 when never paused.
  std::int64_t failures_until_paused = 0;
  // When the bucket would have held zero tokens, read as forecast_pause() reads it (the figure
  // Let's Encrypt's tables print); nullopt when never paused.
  std::optional<double> bucket_empty_day;
  std::int64_t failures_attempted = 0;  // failed validations that ran
  std::int64_t failures_avoided = 0;    // failed validations the client would have run while paused
  std::int64_t successes = 0;
  std::int64_t successes_blocked = 0;  // successful validations it could not run while paused
  std::int64_t pauses = 0;             // the first pause and every re-pause
  std::int64_t unpauses = 0;           // by a click of this pair's or another of the account's link
  std::int64_t denied_in_grace = 0;    // denied spends that did not pause: unpaused < grace ago
  double paused_days = 0;
  bool paused_at_end = false;

  std::int64_t repauses() const { return pauses > 0 ? pauses - 1 : 0; }
};

struct SimulationTotals {
  std::size_t pairs = 0;
  std::size_t pairs_paused = 0;  // paused at least once
  std::optional<double> first_paused_day;
  std::int64_t failures_attempted = 0;
  std::int64_t failures_avoided = 0;
  std::int64_t successes = 0;
  std::int64_t successes_blocked = 0;
  std::int64_t repauses = 0;

  // The failed validations the clients tried: those that ran plus those pausing avoided.
  std::int64_t failures_wanted() const { return failures_attempted + failures_avoided; }
};

struct Simulation {
  PausePolicy policy;
  int days = 0;
  std::vector<PairOutcome> pairs;  // in the order of the traffic
  SimulationTotals totals;
  // [d] = failed validations before day d (d = 0 … days): with pausing (that ran) and without
  // (that the clients tried).
  std::vector<std::int64_t> failures_by_day;
  std::vector<std::int64_t> wanted_by_day;
};

inline constexpr int kMaxSimulatedDays = 36'500;
// Failed and successful validations in the traffic over the horizon, per policy (about 2 s).
inline constexpr double kMaxSimulatedValidations = 100'000'000;
// A pair's failures or successes a day: 1,000 a second.
inline constexpr double kMaxValidationsPerDay = 86'400'000;

// A row of the traffic the simulator refuses, and why (`row` is 0-based).
struct TrafficProblem {
  std::size_t row = 0;
  std::string message;
};

// Returns the first bad row: an empty account or identifier, a rate, start or unpause delay that
// is negative or not finite, a rate above kMaxValidationsPerDay, or a pair already given by an
// earlier row (one bucket per pair).
std::optional<TrafficProblem> check_traffic(const std::vector<PairTraffic>& traffic);

// Replays `traffic` for `days` days under `policy`. Errors (as text for a person): check_traffic's
// (as "row N: …", 1-based), days outside 1 … kMaxSimulatedDays, an invalid failures limit or a
// negative grace, more than kMaxSimulatedValidations validations. Pure and deterministic.
std::expected<Simulation, std::string> simulate(const std::vector<PairTraffic>& traffic,
                                                const PausePolicy& policy, int days);

// simulate() under each policy, in order; the first error stops it.
std::expected<std::vector<Simulation>, std::string> sweep(const std::vector<PairTraffic>& traffic,
                                                          const std::vector<PausePolicy>& policies, int days);

}  // namespace cobble::pause
