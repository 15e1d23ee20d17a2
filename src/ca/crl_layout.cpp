#include "ca/crl_layout.hpp"

#include <cctype>
#include <cstdint>

namespace cobble::ca {

common::Result<int> crl_shard_of(std::string_view serial_hex, int shards) {
  if (serial_hex.empty() ||
      serial_hex.find_first_not_of("0123456789abcdefABCDEF") != std::string_view::npos) {
    return common::fail(std::errc::invalid_argument,
                        "serial '" + std::string(serial_hex) + "' is not hexadecimal");
  }
  if (shards <= 0) return 0;
  // The serial mod N, one hex digit at a time: serials are 128 bits, wider than any integer type.
  std::uint64_t rest = 0;
  for (char c : serial_hex) {
    auto digit = static_cast<std::uint64_t>(
        std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : std::tolower(c) - 'a' + 10);
    rest = (rest * 16 + digit) % static_cast<std::uint64_t>(shards);
  }
  return static_cast<int>(rest) + 1;
}

std::string crl_url_of(const CrlLayout& layout, int shard, std::string_view issuer) {
  if (layout.base.empty()) return {};
  auto base = issuer.empty() ? layout.base : layout.base + std::string(issuer) + "/";
  return shard == 0 ? base + "0" : base + std::to_string(shard) + ".crl";
}

}  // namespace cobble::ca
