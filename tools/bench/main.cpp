// cobble-bench: complete ACME flows against one server (Cobble or Pebble), one JSON line out.
#include <iostream>

#include "bench/options.hpp"
#include "bench/run.hpp"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto options = cobble::bench::parse_options(args);
  if (!options) {
    (options.error().code == 0 ? std::cout : std::cerr) << options.error().text << "\n";
    return options.error().code;
  }
  try {
    std::cout << cobble::bench::run_bench(*options).dump() << std::endl;
  } catch (const cobble::bench::SetupError& e) {
    std::cerr << "cobble-bench: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
