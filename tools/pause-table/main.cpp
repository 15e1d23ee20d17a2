// Prints how many days of steady failures pause an (account, identifier) pair, for the presets or
// for `--burst N` (refill 1 per 24 h), so operators can check a configuration against the table
// Let's Encrypt published.
#include <charconv>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include "pause/pause_policy.hpp"

namespace {

void usage(std::FILE* out, const char* program) {
  std::fprintf(
      out,
      "usage: %s [--burst N]...\n  N: a positive integer (refill stays 1 per 24h); without --burst,\n"
      "  prints the Let's Encrypt presets\n",
      program);
}

void print(const char* title, const cobble::pause::PausePolicy& policy) {
  std::printf("%s\n%s\n", title, cobble::pause::published_table(policy).c_str());
}

}  // namespace

int main(int argc, char** argv) {
  bool any = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      usage(stdout, argv[0]);
      return 0;
    }
    std::string_view value;
    if (arg == "--burst" && i + 1 < argc) {
      value = argv[++i];
    } else if (arg.starts_with("--burst=")) {
      value = arg.substr(std::strlen("--burst="));
    } else {
      usage(stderr, argv[0]);
      return 2;
    }
    std::int64_t burst = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), burst);
    cobble::pause::PausePolicy policy;
    policy.failures.burst = burst;
    if (ec != std::errc() || end != value.data() + value.size() || burst < 1 || !policy.failures.valid()) {
      std::fprintf(stderr, "%s: bad burst '%.*s'\n", argv[0], static_cast<int>(value.size()), value.data());
      return 2;
    }
    print(("--burst " + std::to_string(burst)).c_str(), policy);
    any = true;
  }
  if (!any) {
    print("Let's Encrypt 2024 (Boulder's shipped default, the published table)",
          cobble::pause::PausePolicy::lets_encrypt_2024());
    print("Let's Encrypt production since 2025-07-10", cobble::pause::PausePolicy::lets_encrypt_2025());
    print("Let's Encrypt staging (\"3600 per 6 hours\")", cobble::pause::PausePolicy::staging());
  }
  return 0;
}
