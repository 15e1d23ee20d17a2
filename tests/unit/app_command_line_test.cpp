#include <catch2/catch.hpp>

#include "app/command_line.hpp"

using cobble::app::translate_pebble_flags;
using Args = std::vector<std::string>;

TEST_CASE("Pebble's Go-style flags become Cobble's", "[app][cli]") {
  CHECK(translate_pebble_flags({"-config", "p.json", "-dnsserver", "127.0.0.1:8053", "-strict"}) ==
        Args{"--config", "p.json", "--dns-server", "127.0.0.1:8053"});
  CHECK(translate_pebble_flags({"-config=p.json", "--dnsserver=1.2.3.4:53"}) ==
        Args{"--config", "p.json", "--dns-server", "1.2.3.4:53"});
  CHECK(translate_pebble_flags({"-version"}) == Args{"--version"});
  CHECK(translate_pebble_flags({"--version"}) == Args{"--version"});
}

TEST_CASE("Cobble's flags and every value pass unchanged, empty values included", "[app][cli]") {
  Args args{"--management-listen", "", "--listen", "127.0.0.1:1", "-", "--fake-clock", "--config", "c.json"};
  CHECK(translate_pebble_flags(args) == args);
  CHECK(translate_pebble_flags({}).empty());
}
