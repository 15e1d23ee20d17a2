#pragma once

#include "app/config.hpp"

namespace cobble::app {

// Builds every part from `config`, serves until SIGINT/SIGTERM, then drains and stops.
// Returns the process exit code; start-up failures are printed with what to fix and return 1.
int run(const Config& config);

}  // namespace cobble::app
