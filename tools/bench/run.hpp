#pragma once

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "bench/options.hpp"

namespace cobble::bench {

// A setup failure before any figure exists (unreachable server, bad CA file, no directory).
struct SetupError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Runs the benchmark the options describe and returns its figures (the JSON line cobble-bench
// prints). Returns normally after a stall too, with "stalled": true. Throws SetupError.
nlohmann::json run_bench(const Options& options);

}  // namespace cobble::bench
