#include "pause-table/report.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "common/text.hpp"

namespace cobble::pause_table {
namespace {

using pause::Simulation;

// Columns before `left_columns` are left-aligned (names), the others right-aligned (figures).
std::string render_table(const std::vector<std::vector<std::string>>& rows, std::size_t left_columns) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()));
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (i > 0) line += "  ";
      line += i < left_columns ? fmt::format("{:<{}}", row[i], widths[i])
                               : fmt::format("{:>{}}", row[i], widths[i]);
    }
    out += line.substr(0, line.find_last_not_of(' ') + 1) + "\n";
  }
  return out;
}

std::string day_or_dash(std::optional<double> day) { return day ? fmt::format("{:.2f}", *day) : "-"; }

std::string percent_avoided(const pause::SimulationTotals& totals) {
  if (totals.failures_wanted() == 0) return "-";
  return fmt::format("{:.1f}%", 100.0 * static_cast<double>(totals.failures_avoided) /
                                    static_cast<double>(totals.failures_wanted()));
}

std::string pair_rows(const std::vector<pause::PairTraffic>& traffic, const Simulation& run) {
  std::vector<std::vector<std::string>> rows{{"account", "identifier", "failures/day", "successes/day",
                                              "paused on day", "at failure #", "failed", "avoided",
                                              "re-pauses", "paused days"}};
  for (std::size_t i = 0; i < traffic.size(); ++i) {
    const pause::PairTraffic& t = traffic[i];
    const pause::PairOutcome& out = run.pairs[i];
    rows.push_back({common::printable(t.account, 40), common::printable(t.identifier, 60),
                    fmt::format("{:g}", t.failures_per_day), fmt::format("{:g}", t.successes_per_day),
                    day_or_dash(out.first_paused_day),
                    out.first_paused_day ? std::to_string(out.failures_until_paused) : "-",
                    std::to_string(out.failures_attempted), std::to_string(out.failures_avoided),
                    std::to_string(out.repauses()), fmt::format("{:.2f}", out.paused_days)});
  }
  return render_table(rows, 2);
}

std::string totals_line(const Simulation& run) {
  const pause::SimulationTotals& t = run.totals;
  return fmt::format(
      "{} pairs, {} paused{}, {} re-pauses; failed validations: {} ran, {} avoided ({} of the {} the clients "
      "tried); successes blocked: {}\n",
      t.pairs, t.pairs_paused,
      t.first_paused_day ? fmt::format(" (first on day {:.2f})", *t.first_paused_day) : "", t.repauses,
      t.failures_attempted, t.failures_avoided, percent_avoided(t), t.failures_wanted(), t.successes_blocked);
}

std::string comparison(const std::vector<Simulation>& runs) {
  std::vector<std::vector<std::string>> rows{{"policy", "paused pairs", "first pause (day)", "failed",
                                              "avoided", "avoided %", "re-pauses", "successes blocked"}};
  for (const Simulation& run : runs) {
    const pause::SimulationTotals& t = run.totals;
    rows.push_back({describe_policy(run.policy), fmt::format("{}/{}", t.pairs_paused, t.pairs),
                    day_or_dash(t.first_paused_day), std::to_string(t.failures_attempted),
                    std::to_string(t.failures_avoided), percent_avoided(t), std::to_string(t.repauses),
                    std::to_string(t.successes_blocked)});
  }
  return render_table(rows, 1);
}

}  // namespace

std::string describe_policy(const pause::PausePolicy& policy) {
  return fmt::format("{}, grace {}d", pause::describe(policy.failures), policy.grace.count());
}

std::string simulation_report(const std::vector<pause::PairTraffic>& traffic,
                              const std::vector<Simulation>& runs, bool summary) {
  std::string out;
  for (const Simulation& run : runs) {
    out += fmt::format("{}: {} days, {} pairs\n", describe_policy(run.policy), run.days, traffic.size());
    if (!summary) out += pair_rows(traffic, run);
    out += totals_line(run) + "\n";
  }
  if (runs.size() > 1) out += "Compared:\n" + comparison(runs);
  return out;
}

}  // namespace cobble::pause_table
