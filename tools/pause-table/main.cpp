// cobble-pause-table: how many days of steady failures pause an (account, identifier) pair, for
// Let's Encrypt's presets or for `--burst N`, so operators can check a configuration against the
// table Let's Encrypt published; or, given a traffic mix, weeks of it replayed under the server's
// pause rules for several policies (options.hpp says which flags do what).
#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "common/files.hpp"
#include "pause-table/options.hpp"
#include "pause-table/report.hpp"
#include "pause-table/svg_plot.hpp"
#include "pause-table/traffic.hpp"
#include "pause/pause_policy.hpp"
#include "pause/simulation.hpp"

namespace cobble::pause_table {
namespace {

void print_table(const std::string& title, const pause::PausePolicy& policy) {
  std::printf("%s\n%s\n", title.c_str(), pause::published_table(policy).c_str());
}

void print_tables(const Options& options) {
  if (options.bursts.empty()) {
    print_table("Let's Encrypt 2024 (Boulder's shipped default, the published table)",
                pause::PausePolicy::lets_encrypt_2024());
    print_table("Let's Encrypt production since 2025-07-10", pause::PausePolicy::lets_encrypt_2025());
    print_table("Let's Encrypt staging (\"3600 per 6 hours\")", pause::PausePolicy::staging());
    return;
  }
  for (const auto& policy : policies(options)) {
    const auto& limit = policy.failures;
    std::string title = fmt::format("--burst {}", limit.burst);
    if (options.refill_given) {
      title += fmt::format(" --refill-count {} --refill-period {}", limit.count,
                           pause::describe_period(limit.period));
    }
    print_table(title, policy);
  }
}

int simulate(const Options& options) {
  auto traffic = options.traffic_file.empty()
                     ? uniform_traffic(options.pairs, *options.failures_per_day, options.successes_per_day,
                                       options.unpause_after_days)
                     : read_traffic_file(options.traffic_file);
  if (!traffic) {
    std::fprintf(stderr, "cobble-pause-table: %s\n", traffic.error().c_str());
    return 2;
  }
  auto runs = pause::sweep(*traffic, policies(options), options.days);
  if (!runs) {
    std::fprintf(stderr, "cobble-pause-table: %s\n", runs.error().c_str());
    return 2;
  }
  std::fputs(simulation_report(*traffic, *runs, options.summary).c_str(), stdout);
  if (options.svg_file.empty()) return 0;
  const std::string source = options.traffic_file.empty()
                                 ? fmt::format("{:g} failures/day each", *options.failures_per_day)
                                 : std::filesystem::path(options.traffic_file).filename().string();
  const std::string title =
      fmt::format("Failed validations over {} days: {} pairs ({})", options.days, traffic->size(), source);
  if (auto written = common::write_file(options.svg_file, render_svg(*runs, title), false); !written) {
    std::fprintf(stderr, "cobble-pause-table: %s\n", written.error().message.c_str());
    return 1;
  }
  std::printf("\nPlot written to %s\n", options.svg_file.c_str());
  return 0;
}

}  // namespace
}  // namespace cobble::pause_table

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  namespace pause_table = cobble::pause_table;
  auto options = pause_table::parse_options(args);
  if (!options) {
    std::fprintf(options.error().code == 0 ? stdout : stderr, "%s\n", options.error().text.c_str());
    return options.error().code;
  }
  if (!options->simulating()) {
    pause_table::print_tables(*options);
    return 0;
  }
  return pause_table::simulate(*options);
}
