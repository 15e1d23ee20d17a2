#include "validation/address_policy.hpp"

#include <array>
#include <cstdint>

namespace cobble::validation {
namespace {

enum class Category { loopback, private_use, reserved };

struct Range4 {
  std::uint32_t network;
  int prefix;
  Category category;
  const char* name;
};

// IANA IPv4 Special-Purpose Address Registry, plus multicast and the old class E.
constexpr std::array<Range4, 17> kRanges4{{
    {0x00000000, 8, Category::reserved, "\"this network\" (RFC 791)"},
    {0x0A000000, 8, Category::private_use, "a private-use address (RFC 1918)"},
    {0x64400000, 10, Category::private_use, "a shared address (RFC 6598)"},
    {0x7F000000, 8, Category::loopback, "a loopback address (RFC 1122)"},
    {0xA9FE0000, 16, Category::private_use, "a link-local address (RFC 3927)"},
    {0xAC100000, 12, Category::private_use, "a private-use address (RFC 1918)"},
    {0xC0000000, 24, Category::reserved, "an IETF protocol assignment (RFC 6890)"},
    {0xC0000200, 24, Category::reserved, "a documentation address (RFC 5737)"},
    {0xC0586300, 24, Category::reserved, "a 6to4 relay anycast address (RFC 7526)"},
    {0xC0A80000, 16, Category::private_use, "a private-use address (RFC 1918)"},
    {0xC6120000, 15, Category::reserved, "a benchmarking address (RFC 2544)"},
    {0xC6336400, 24, Category::reserved, "a documentation address (RFC 5737)"},
    {0xCB007100, 24, Category::reserved, "a documentation address (RFC 5737)"},
    {0xE0000000, 4, Category::reserved, "a multicast address (RFC 5771)"},
    {0xF0000000, 4, Category::reserved, "a reserved address (RFC 1112)"},
    {0xFFFFFFFF, 32, Category::reserved, "the limited broadcast address (RFC 919)"},
    {0x00000000, 32, Category::reserved, "the unspecified address"},
}};

struct Range6 {
  std::array<unsigned char, 16> network;
  int prefix;
  Category category;
  const char* name;
};

// IANA IPv6 Special-Purpose Address Registry (the ranges no server of a customer lives in).
const std::array<Range6, 11> kRanges6{{
    {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1},
     128,
     Category::loopback,
     "the loopback address (RFC 4291)"},
    {{}, 128, Category::reserved, "the unspecified address (RFC 4291)"},
    {{0x00, 0x64, 0xff, 0x9b}, 96, Category::reserved, "an IPv4/IPv6 translation address (RFC 6052)"},
    {{0x00, 0x64, 0xff, 0x9b, 0x00, 0x01},
     48,
     Category::reserved,
     "a local-use translation address (RFC 8215)"},
    {{0x01, 0x00}, 64, Category::reserved, "a discard-only address (RFC 6666)"},
    {{0x20, 0x01, 0x00, 0x00}, 23, Category::reserved, "an IETF protocol assignment (RFC 2928)"},
    {{0x20, 0x01, 0x0d, 0xb8}, 32, Category::reserved, "a documentation address (RFC 3849)"},
    {{0x20, 0x02}, 16, Category::reserved, "a 6to4 address (RFC 3056)"},
    {{0xfc, 0x00}, 7, Category::private_use, "a unique-local address (RFC 4193)"},
    {{0xfe, 0x80}, 10, Category::private_use, "a link-local address (RFC 4291)"},
    {{0xff, 0x00}, 8, Category::reserved, "a multicast address (RFC 4291)"},
}};

bool in_prefix(const std::array<unsigned char, 16>& a, const std::array<unsigned char, 16>& net, int prefix) {
  for (int bit = 0; bit < prefix; ++bit) {
    int byte = bit / 8, shift = 7 - bit % 8;
    if (((a[byte] >> shift) & 1) != ((net[byte] >> shift) & 1)) return false;
  }
  return true;
}

bool allowed(const AddressPolicy& policy, Category category) {
  return (category == Category::loopback && policy.allow_loopback) ||
         (category == Category::private_use && policy.allow_private);
}

std::string refusal_v4(const AddressPolicy& policy, const boost::asio::ip::address_v4& address) {
  auto value = address.to_uint();
  for (const auto& range : kRanges4) {
    std::uint32_t mask = range.prefix == 0 ? 0 : ~std::uint32_t{0} << (32 - range.prefix);
    if ((value & mask) == (range.network & mask)) {
      if (allowed(policy, range.category)) return "";
      return address.to_string() + " is " + range.name;
    }
  }
  return "";
}

}  // namespace

std::string AddressPolicy::refusal(const boost::asio::ip::address& address) const {
  if (address.is_v4()) return refusal_v4(*this, address.to_v4());
  auto v6 = address.to_v6();
  // An IPv4-mapped address is judged as the IPv4 address it carries.
  if (v6.is_v4_mapped())
    return refusal_v4(*this, boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6));
  auto bytes = v6.to_bytes();
  for (const auto& range : kRanges6) {
    if (in_prefix(bytes, range.network, range.prefix)) {
      if (allowed(*this, range.category)) return "";
      return v6.to_string() + " is " + range.name;
    }
  }
  return "";
}

}  // namespace cobble::validation
