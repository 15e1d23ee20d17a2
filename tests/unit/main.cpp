#define CATCH_CONFIG_RUNNER
#include <spdlog/spdlog.h>

#include <catch2/catch.hpp>

int main(int argc, char* argv[]) {
  // spdlog makes its registry on first use; libspdlog is not built with ThreadSanitizer, so a first
  // use racing between two test threads is reported as a race. Make it here, before any thread,
  // as cobble's main does by logging before it starts its threads.
  spdlog::default_logger();
  return Catch::Session().run(argc, argv);
}
