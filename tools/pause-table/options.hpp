#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "common/gcra.hpp"
#include "pause/pause_policy.hpp"

namespace cobble::pause_table {

// The command line. Without a traffic mix (--traffic or --failures-per-day) the tool prints the
// published tables: Let's Encrypt's presets, or one per --burst. With one, it simulates the mix
// under every combination of --burst × --refill-count × --refill-period.
struct Options {
  std::vector<std::int64_t> bursts;  // empty: the presets (tables) or 3600 and 1152 (simulation)
  std::vector<std::int64_t> refill_counts{1};
  std::vector<common::gcra::Duration> refill_periods{std::chrono::hours(24)};
  bool refill_given = false;  // --refill-count or --refill-period was on the command line
  int grace_days = 14;

  std::string traffic_file;  // --traffic
  // The one-pair mix of the flags (when no file): --failures-per-day R [--pairs N] ...
  std::optional<double> failures_per_day;
  double successes_per_day = 0;
  std::optional<double> unpause_after_days;
  std::int64_t pairs = 1;

  int days = 28;
  std::string svg_file;  // "" = no plot
  bool summary = false;  // totals only, no row per pair

  bool simulating() const { return !traffic_file.empty() || failures_per_day.has_value(); }
};

inline constexpr std::size_t kMaxPolicies = 8;
inline constexpr std::int64_t kMaxFlagPairs = 100'000;

// Outcome of parsing: options, or an exit code with text to print (--help: 0 and the usage on
// stdout; a refusal: 2 and the reason for stderr).
struct ParseExit {
  int code = 0;
  std::string text;
};

// `args` without the program name. Refuses: unknown options, bursts, counts or periods that make
// an invalid limit, more than kMaxPolicies combinations, simulation options without a mix,
// --traffic with --failures-per-day, values out of range.
std::expected<Options, ParseExit> parse_options(const std::vector<std::string>& args);

// Every --burst × --refill-count × --refill-period, bursts outermost, each with --grace-days.
// Without --burst: 3600 and 1152 (Let's Encrypt 2024 and 2025).
std::vector<pause::PausePolicy> policies(const Options& options);

// "24h", "90m", "3600s", "2d" (a positive whole number and a unit); nullopt otherwise.
std::optional<common::gcra::Duration> parse_period(std::string_view text);

}  // namespace cobble::pause_table
