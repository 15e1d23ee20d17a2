#include <catch2/catch.hpp>

#include "app/dns_server.hpp"

using cobble::app::dns_server_addresses;
using namespace std::chrono_literals;

TEST_CASE("dnsServer addresses pass unchanged", "[app][dns]") {
  auto text = GENERATE(as<std::string>{}, "", "127.0.0.1:8053", "127.0.0.1", "[::1]:53", "::1",
                       "10.0.0.2:53,10.0.0.3:53");
  CAPTURE(text);
  auto resolved = dns_server_addresses(text, 0ms);
  REQUIRE(resolved);
  CHECK(*resolved == text);
}

TEST_CASE("dnsServer host names are resolved by the system resolver, keeping the port", "[app][dns]") {
  auto resolved = dns_server_addresses("localhost:8053", 0ms);
  REQUIRE(resolved);
  CHECK(*resolved == "127.0.0.1:8053");  // IPv4 first
  auto list = dns_server_addresses("127.0.0.2:53,localhost", 0ms);
  REQUIRE(list);
  CHECK(list->starts_with("127.0.0.2:53,"));
  CHECK(list->find("localhost") == std::string::npos);
}

TEST_CASE("a dnsServer name that never resolves or a bad port stops start-up with the entry named",
          "[app][dns]") {
  auto unknown = dns_server_addresses("no-such-host.invalid:8053", 300ms);
  REQUIRE_FALSE(unknown);
  CHECK_THAT(unknown.error().message, Catch::Contains("no-such-host.invalid"));
  auto port = dns_server_addresses("localhost:dns", 0ms);
  REQUIRE_FALSE(port);
  CHECK_THAT(port.error().message, Catch::Contains("port"));
}
