#include <boost/asio/ip/address.hpp>
#include <catch2/catch.hpp>
#include <string>

#include "validation/address_policy.hpp"

using cobble::validation::AddressPolicy;

namespace {

enum class Kind { loopback, private_use, special, public_use };

struct Case {
  std::string address;
  Kind kind;
  std::string range;  // part of the refusal that names the range
};

bool refused_under(Kind kind, const AddressPolicy& policy) {
  switch (kind) {
    case Kind::loopback:
      return !policy.allow_loopback;
    case Kind::private_use:
      return !policy.allow_private;
    case Kind::special:
      return true;
    case Kind::public_use:
      return false;
  }
  return true;
}

}  // namespace

TEST_CASE("the address policy refuses special-purpose addresses unless their category is allowed",
          "[validation]") {
  const auto c =
      GENERATE(Case{"127.0.0.1", Kind::loopback, "a loopback address (RFC 1122)"},
               Case{"::1", Kind::loopback, "the loopback address (RFC 4291)"},
               Case{"10.1.2.3", Kind::private_use, "a private-use address (RFC 1918)"},
               Case{"172.16.0.1", Kind::private_use, "a private-use address (RFC 1918)"},
               Case{"192.168.1.1", Kind::private_use, "a private-use address (RFC 1918)"},
               Case{"100.64.0.1", Kind::private_use, "a shared address (RFC 6598)"},
               Case{"169.254.1.1", Kind::private_use, "a link-local address (RFC 3927)"},
               Case{"fc00::1", Kind::private_use, "a unique-local address (RFC 4193)"},
               Case{"fe80::1", Kind::private_use, "a link-local address (RFC 4291)"},
               Case{"::ffff:10.0.0.1", Kind::private_use, "a private-use address (RFC 1918)"},
               Case{"0.0.0.0", Kind::special, "RFC 791"},
               Case{"224.0.0.1", Kind::special, "a multicast address (RFC 5771)"},
               Case{"255.255.255.255", Kind::special, "255.255.255.255 is a"},
               Case{"192.0.2.1", Kind::special, "a documentation address (RFC 5737)"},
               Case{"198.51.100.1", Kind::special, "a documentation address (RFC 5737)"},
               Case{"203.0.113.1", Kind::special, "a documentation address (RFC 5737)"},
               Case{"198.18.0.1", Kind::special, "a benchmarking address (RFC 2544)"},
               Case{"240.0.0.1", Kind::special, "a reserved address (RFC 1112)"},
               Case{"::", Kind::special, "the unspecified address (RFC 4291)"},
               Case{"ff02::1", Kind::special, "a multicast address (RFC 4291)"},
               Case{"2001:db8::1", Kind::special, "a documentation address (RFC 3849)"},
               Case{"64:ff9b::1", Kind::special, "an IPv4/IPv6 translation address (RFC 6052)"},
               Case{"8.8.8.8", Kind::public_use, ""}, Case{"1.1.1.1", Kind::public_use, ""},
               Case{"2606:4700::1111", Kind::public_use, ""}, Case{"93.184.216.34", Kind::public_use, ""});
  const bool allow_loopback = GENERATE(false, true);
  const bool allow_private = GENERATE(false, true);
  CAPTURE(c.address, allow_loopback, allow_private);

  const AddressPolicy policy{.allow_loopback = allow_loopback, .allow_private = allow_private};
  const auto refusal = policy.refusal(boost::asio::ip::make_address(c.address));
  CAPTURE(refusal);
  if (refused_under(c.kind, policy)) {
    CHECK_THAT(refusal, Catch::Contains(c.range));
    // The address in words: a mapped address is named by the IPv4 address it carries.
    CHECK_THAT(refusal,
               Catch::StartsWith((c.address == "::ffff:10.0.0.1" ? "10.0.0.1" : c.address) + " is "));
  } else {
    CHECK(refusal.empty());
  }
}

TEST_CASE("a refusal names the address and its range in words a person can act on", "[validation]") {
  const AddressPolicy policy;
  CHECK(policy.refusal(boost::asio::ip::make_address("10.0.0.1")) ==
        "10.0.0.1 is a private-use address (RFC 1918)");
  CHECK(policy.refusal(boost::asio::ip::make_address("::1")) == "::1 is the loopback address (RFC 4291)");
  CHECK(policy.refusal(boost::asio::ip::make_address("::ffff:192.168.0.7")) ==
        "192.168.0.7 is a private-use address (RFC 1918)");
}

TEST_CASE("the edges of a range are judged by its prefix length", "[validation]") {
  const AddressPolicy policy;
  const auto c = GENERATE(
      Case{"172.15.255.255", Kind::public_use, ""}, Case{"172.31.255.255", Kind::private_use, "RFC 1918"},
      Case{"172.32.0.0", Kind::public_use, ""}, Case{"100.63.255.255", Kind::public_use, ""},
      Case{"100.127.255.255", Kind::private_use, "RFC 6598"}, Case{"198.20.0.0", Kind::public_use, ""},
      Case{"198.19.255.255", Kind::special, "RFC 2544"}, Case{"fbff:ffff::1", Kind::public_use, ""},
      Case{"fdff:ffff::1", Kind::private_use, "RFC 4193"});
  CAPTURE(c.address);
  const auto refusal = policy.refusal(boost::asio::ip::make_address(c.address));
  if (c.kind == Kind::public_use) {
    CHECK(refusal.empty());
  } else {
    CHECK_THAT(refusal, Catch::Contains(c.range));
  }
}
