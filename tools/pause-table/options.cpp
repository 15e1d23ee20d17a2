#include "pause-table/options.hpp"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <charconv>
#include <cmath>
#include <limits>

#include "pause/simulation.hpp"

namespace cobble::pause_table {
namespace {

using namespace std::chrono_literals;
using common::gcra::Duration;

constexpr const char* kDescription =
    "cobble-pause-table: how Cobble's (and Let's Encrypt's) zombie-client pausing treats steady validation "
    "failures.\n"
    "Without a traffic mix it prints, for 1, 2, 5, 10, 40 and 120 failures a day, the days until an "
    "(account, identifier) pair is paused: for Let's Encrypt's presets, or for each --burst.\n"
    "With --traffic FILE.csv or --failures-per-day R it replays the mix for --days days under the server's "
    "own rules (a GCRA bucket per pair spent by each failure, emptied bucket = paused, a success resets "
    "it, no re-pause within the grace after an unpause) and prints when each pair is paused and how many "
    "failed validations pausing avoided, under each policy. Validations are evenly spaced in time.";

constexpr const char* kFooter =
    "Traffic CSV: a header, then one row per (account, identifier) pair:\n"
    "  account,identifier,failures_per_day[,successes_per_day,start_day,unpause_after_days]\n"
    "Optional columns may be left out or empty; blank lines and lines starting with # are skipped.\n"
    "unpause_after_days: a person clicks the unpause link that many days after each pause (it unpauses\n"
    "every paused pair of the account).\n"
    "Examples:\n"
    "  cobble-pause-table --burst 600\n"
    "  cobble-pause-table --traffic tools/pause-table/example-traffic.csv --burst 3600,1152,300 --svg "
    "plot.svg\n"
    "  cobble-pause-table --failures-per-day 120 --pairs 10 --days 60 --refill-period 24h,6h";

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

}  // namespace

std::optional<Duration> parse_period(std::string_view text) {
  if (text.size() < 2) return std::nullopt;
  Duration unit;
  switch (text.back()) {
    case 's':
      unit = 1s;
      break;
    case 'm':
      unit = 1min;
      break;
    case 'h':
      unit = 1h;
      break;
    case 'd':
      unit = 24h;
      break;
    default:
      return std::nullopt;
  }
  std::int64_t count = 0;
  const char* end = text.data() + text.size() - 1;
  const auto parsed = std::from_chars(text.data(), end, count);
  if (parsed.ec != std::errc() || parsed.ptr != end || count < 1) return std::nullopt;
  if (count > std::numeric_limits<Duration::rep>::max() / unit.count()) return std::nullopt;
  return unit * count;
}

std::expected<Options, ParseExit> parse_options(const std::vector<std::string>& args) {
  Options o;
  CLI::App app{kDescription, "cobble-pause-table"};
  app.footer(kFooter);
  std::vector<std::string> periods;
  double failures_per_day = 0, unpause_after = 0;
  app.add_option("--burst,--compare-burst", o.bursts,
                 "bucket sizes (failures), comma-separated or repeated; tables: one per burst instead of the "
                 "presets; simulation: the policies to compare (default 3600,1152)")
      ->delimiter(',')
      ->type_name("N[,N...]");
  app.add_option("--refill-count", o.refill_counts,
                 "tokens back per refill period, comma-separated to compare (default 1)")
      ->delimiter(',')
      ->type_name("N[,N...]");
  app.add_option("--refill-period", periods,
                 "refill period, e.g. 24h, 6h, 90m, 3600s, 2d; comma-separated to compare (default 24h)")
      ->delimiter(',')
      ->type_name("P[,P...]");
  app.add_option("--grace-days", o.grace_days, "after an unpause, no re-pause for this many days")
      ->capture_default_str();
  auto* traffic = app.add_option("--traffic", o.traffic_file, "simulate the pairs of this CSV (header below)")
                      ->type_name("FILE.csv");
  auto* rate = app.add_option("--failures-per-day", failures_per_day,
                              "simulate --pairs identical pairs failing this often a day (no file)");
  traffic->excludes(rate);
  app.add_option("--successes-per-day", o.successes_per_day, "with --failures-per-day: successes a day too");
  app.add_option("--unpause-after-days", unpause_after,
                 "with --failures-per-day: a person clicks the unpause link this long after each pause");
  app.add_option("--pairs", o.pairs, "with --failures-per-day: how many such pairs (one account each)")
      ->capture_default_str();
  app.add_option("--days", o.days, "days to simulate")->capture_default_str();
  app.add_option("--svg", o.svg_file, "write a plot of cumulative failed validations to this SVG file")
      ->type_name("FILE");
  app.add_flag("--summary", o.summary, "print the totals of each policy, not one row per pair");

  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    return std::unexpected(ParseExit{0, app.help()});
  } catch (const CLI::ParseError& e) {
    return std::unexpected(ParseExit{2, std::string(e.what()) + "\nRun with --help for the options."});
  }
  auto refuse = [](std::string why) { return std::unexpected(ParseExit{2, "cobble-pause-table: " + why}); };
  auto given = [&](const char* name) { return app.count(name) > 0; };

  if (given("--failures-per-day")) o.failures_per_day = failures_per_day;
  if (given("--unpause-after-days")) o.unpause_after_days = unpause_after;
  o.refill_given = given("--refill-count") || given("--refill-period");
  if (given("--refill-period")) {
    o.refill_periods.clear();
    for (const auto& text : periods) {
      auto period = parse_period(text);
      if (!period)
        return refuse("bad --refill-period '" + text + "': expected e.g. 24h, 6h, 90m, 3600s or 2d");
      o.refill_periods.push_back(*period);
    }
  }

  std::vector<std::string> misplaced;
  const char* simulation_only[] = {"--days",
                                   "--svg",
                                   "--summary",
                                   "--grace-days",
                                   "--successes-per-day",
                                   "--pairs",
                                   "--unpause-after-days"};
  for (const char* name : simulation_only) {
    if (!o.simulating() && given(name)) misplaced.push_back(name);
  }
  if (!misplaced.empty()) {
    return refuse(join(misplaced) +
                  " simulate a traffic mix: add --traffic FILE.csv or --failures-per-day R");
  }
  for (const char* name : {"--successes-per-day", "--pairs", "--unpause-after-days"}) {
    if (!o.traffic_file.empty() && given(name)) {
      return refuse(std::string(name) + " describes the flags' mix; with --traffic the file gives the pairs");
    }
  }
  if (!o.simulating() && o.refill_given && o.bursts.empty()) {
    return refuse("--refill-count and --refill-period need --burst (or a traffic mix)");
  }

  for (std::int64_t burst : o.bursts) {
    if (burst < 1) return refuse(fmt::format("bad burst '{}': a positive integer", burst));
  }
  for (std::int64_t count : o.refill_counts) {
    if (count < 1) return refuse(fmt::format("bad --refill-count '{}': a positive integer", count));
  }
  const auto all = policies(o);
  if (all.size() > kMaxPolicies) {
    return refuse(fmt::format("{} policies to compare: at most {}", all.size(), kMaxPolicies));
  }
  for (const auto& policy : all) {
    if (!policy.failures.valid()) {
      return refuse(pause::describe(policy.failures) +
                    " is not a valid limit (the bucket must hold at most "
                    "2^63 ns of refill, and refill at most 1 per ns)");
    }
  }
  if (o.grace_days < 0 || o.grace_days > 3650) return refuse("--grace-days must be between 0 and 3650");
  if (o.days < 1 || o.days > pause::kMaxSimulatedDays) {
    return refuse(fmt::format("--days must be between 1 and {}", pause::kMaxSimulatedDays));
  }
  if (o.pairs < 1 || o.pairs > kMaxFlagPairs) {
    return refuse(fmt::format("--pairs must be between 1 and {} (a CSV takes more)", kMaxFlagPairs));
  }
  for (auto [name, value] : {std::pair{"--failures-per-day", o.failures_per_day.value_or(0)},
                             std::pair{"--successes-per-day", o.successes_per_day},
                             std::pair{"--unpause-after-days", o.unpause_after_days.value_or(0)}}) {
    if (!std::isfinite(value) || value < 0) return refuse(fmt::format("{} must be 0 or more", name));
  }
  return o;
}

std::vector<pause::PausePolicy> policies(const Options& options) {
  const std::vector<std::int64_t> bursts =
      options.bursts.empty() ? std::vector<std::int64_t>{3600, 1152} : options.bursts;
  std::vector<pause::PausePolicy> out;
  for (std::int64_t burst : bursts) {
    for (std::int64_t count : options.refill_counts) {
      for (Duration period : options.refill_periods) {
        pause::PausePolicy policy;
        policy.failures = {burst, count, period};
        policy.grace = std::chrono::days(options.grace_days);
        out.push_back(policy);
      }
    }
  }
  return out;
}

}  // namespace cobble::pause_table
