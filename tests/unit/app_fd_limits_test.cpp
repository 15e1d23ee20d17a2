#include <catch2/catch.hpp>

#include "app/fd_limits.hpp"

using cobble::app::Config;
using cobble::app::connection_caps;

TEST_CASE("connection caps leave room for validations and the process's own files", "[app][limits]") {
  Config config;  // 4096 validations at once, one perspective
  auto big = connection_caps(config, 1'048'576);
  CHECK(big.acme == (1'048'576 - 128 - 4096) * 3 / 4);
  CHECK(big.management == 1024);
  CHECK(big.per_address == big.acme / 4);
  // systemd's default soft limit when it cannot be raised: validations get at most half.
  auto small = connection_caps(config, 1024);
  CHECK(small.acme == (1024 - 128) / 2 * 3 / 4);
  CHECK(small.management == (1024 - 128) / 2 / 4);
  CHECK(small.per_address == small.acme / 4);
  auto tiny = connection_caps(config, 64);
  CHECK(tiny.acme >= 8);
  CHECK(tiny.per_address == 8);
  config.plain_listen_address = "127.0.0.1:80";
  CHECK(connection_caps(config, 1'048'576).acme == big.acme / 2);
}

TEST_CASE("maxConnections and maxConnectionsPerAddress override the derived caps", "[app][limits]") {
  Config config;
  config.max_connections = 500;
  config.max_connections_per_address = 20;
  auto caps = connection_caps(config, 1024);
  CHECK(caps.acme == 500);
  CHECK(caps.management == 500);
  CHECK(caps.per_address == 20);
  config.max_connections_per_address = 0;
  CHECK(connection_caps(config, 1024).per_address == 125);  // a quarter of maxConnections
}

TEST_CASE("behind a proxy one address may take a listener's whole cap", "[app][limits]") {
  Config config;
  config.external_url = "https://acme.example.com";
  auto caps = connection_caps(config, 1'048'576);
  CHECK(caps.per_address == caps.acme);
  Config proxied;
  CHECK(connection_caps(proxied, 1'048'576).per_address < connection_caps(proxied, 1'048'576).acme);
  proxied.trusted_proxies = {"10.0.0.0/8"};
  CHECK(connection_caps(proxied, 1'048'576).per_address == connection_caps(proxied, 1'048'576).acme);
}

TEST_CASE("the open-file limit is raised to the hard limit", "[app][limits]") {
  CHECK(cobble::app::raise_open_file_limit() >= 64);
}
