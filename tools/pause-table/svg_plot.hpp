#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "pause/simulation.hpp"

namespace cobble::pause_table {

// A self-contained SVG document (no scripts, fonts or external references) plotting cumulative
// failed validations over the simulated days: what the clients tried (without pausing, dashed) and
// what ran under each policy of `runs` (one pause::sweep), with axes, labels, a legend and `title`.
// `runs` must not be empty and must share one traffic and horizon.
std::string render_svg(const std::vector<pause::Simulation>& runs, std::string_view title);

}  // namespace cobble::pause_table
