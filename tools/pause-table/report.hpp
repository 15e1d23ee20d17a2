#pragma once

#include <string>
#include <vector>

#include "pause/simulation.hpp"

namespace cobble::pause_table {

// What the simulation mode prints, for `runs` of `traffic` (one per policy, from pause::sweep): for
// each policy its title, a row per pair (unless `summary`) and a line of totals; then, when there
// are several policies, one comparison row each. Plain text, columns aligned, no colours.
std::string simulation_report(const std::vector<pause::PairTraffic>& traffic,
                              const std::vector<pause::Simulation>& runs, bool summary);

// "burst 1152, refill 1 per 24h, grace 14d".
std::string describe_policy(const pause::PausePolicy& policy);

}  // namespace cobble::pause_table
