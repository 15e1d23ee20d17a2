#pragma once

// Helpers shared by the fuzz targets: the input as text, and a split of it into parts (so one
// input can carry, say, a URL and a base URL).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cobble::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// The input cut at every `separator` byte into at most `max_parts` parts (the last takes the rest).
inline std::vector<std::string_view> split(std::string_view text, char separator, std::size_t max_parts) {
  std::vector<std::string_view> parts;
  while (parts.size() + 1 < max_parts) {
    auto at = text.find(separator);
    if (at == std::string_view::npos) break;
    parts.push_back(text.substr(0, at));
    text.remove_prefix(at + 1);
  }
  parts.push_back(text);
  return parts;
}

// Stops the fuzzer with a crash report when an invariant does not hold.
[[noreturn]] inline void invariant_failed(const char* what) {
  __builtin_printf("fuzz invariant failed: %s\n", what);
  __builtin_trap();
}
#define FUZZ_CHECK(condition)                                       \
  do {                                                              \
    if (!(condition)) ::cobble::fuzz::invariant_failed(#condition); \
  } while (0)

}  // namespace cobble::fuzz
