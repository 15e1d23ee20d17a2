#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pause/simulation.hpp"

namespace cobble::pause_table {

// The traffic CSV: a header naming the columns, then one row per (account, identifier) pair.
//   account,identifier,failures_per_day[,successes_per_day][,start_day][,unpause_after_days]
// The first three columns are required, the others optional and in any order; an empty optional
// cell takes its default (0, 0, never). Blank lines and lines starting with '#' are skipped.
// Fields are separated by commas, with white space around them ignored; quoting is not supported.
inline constexpr std::string_view kTrafficHeader =
    "account,identifier,failures_per_day[,successes_per_day,start_day,unpause_after_days]";
inline constexpr std::size_t kMaxTrafficRows = 1'000'000;

struct TrafficError {
  std::size_t line = 0;  // 1-based line of the file
  std::string message;
};

// The rows of a traffic CSV. Errors name the line: a missing, unknown or repeated column in the
// header, a row with another number of fields than the header, a quote, an empty account or
// identifier, a number that does not parse or is negative or not finite, a pair given twice, no
// rows, more than kMaxTrafficRows rows. Never throws on any input.
std::expected<std::vector<pause::PairTraffic>, TrafficError> parse_traffic_csv(std::string_view text);

// Reads and parses `path`; errors as "PATH:LINE: message" (or "PATH: reason" when unreadable).
std::expected<std::vector<pause::PairTraffic>, std::string> read_traffic_file(const std::string& path);

// `pairs` identical pairs, one per account ("account-1" … with identifier "example.com"), for the
// flags that describe a mix without a file.
std::vector<pause::PairTraffic> uniform_traffic(std::int64_t pairs, double failures_per_day,
                                                double successes_per_day,
                                                std::optional<double> unpause_after_days);

}  // namespace cobble::pause_table
