#include <catch2/catch.hpp>

#include "ratelimit/request_limits.hpp"

using namespace cobble::ratelimit;
using namespace std::chrono_literals;
using cobble::common::FakeClock;

TEST_CASE("request limits: a burst per endpoint and address, refilled per second", "[ratelimit]") {
  FakeClock clock;
  RequestLimitTable table;
  table.endpoints["newOrder"] = {2, 3};  // 2 per second, burst 3
  RequestLimiter limiter(clock, table);
  for (int i = 0; i < 3; ++i) CHECK_FALSE(limiter.admit("newOrder", "192.0.2.1"));
  auto wait = limiter.admit("newOrder", "192.0.2.1");
  REQUIRE(wait);
  CHECK(*wait == 500ms);
  CHECK_FALSE(limiter.admit("newOrder", "192.0.2.2"));  // another address
  CHECK_FALSE(limiter.admit("authz", "192.0.2.1"));     // no row, no `other`: unlimited
  clock.advance(500ms);
  CHECK_FALSE(limiter.admit("newOrder", "192.0.2.1"));
  CHECK(limiter.admit("newOrder", "192.0.2.1"));
}

TEST_CASE("request limits: `other` covers endpoints without a row; full buckets are swept", "[ratelimit]") {
  FakeClock clock;
  RequestLimitTable table;
  table.other = RequestRate{1, 1};
  RequestLimiter limiter(clock, table, 2);
  CHECK_FALSE(limiter.admit("authz", "a"));
  CHECK(limiter.admit("authz", "a"));
  CHECK_FALSE(limiter.admit("order", "a"));
  CHECK_FALSE(limiter.admit("order", "b"));
  CHECK(limiter.tracked() == 3);
  clock.advance(2s);
  CHECK_FALSE(limiter.admit("order", "c"));  // past 2 entries: the full ones go first
  CHECK(limiter.tracked() == 1);
}

TEST_CASE("request limits: Let's Encrypt's published rates", "[ratelimit]") {
  auto production = RequestLimitTable::lets_encrypt_production();
  CHECK(production.find("newNonce")->per_second == 20);
  CHECK(production.find("newNonce")->burst == 10);
  CHECK(production.find("newAccount")->burst == 15);
  CHECK(production.find("newOrder")->per_second == 300);
  CHECK(production.find("renewalInfo")->per_second == 1000);
  CHECK(production.find("directory")->burst == 40);
  CHECK(production.find("challenge")->per_second == 250);  // other /acme/*
  auto staging = RequestLimitTable::lets_encrypt_staging();
  CHECK(staging.find("newOrder")->per_second == 20);
  CHECK(staging.find("newOrder")->burst == 40);
  CHECK(staging.find("authz")->per_second == 20);
  CHECK_FALSE(RequestLimitTable{}.enabled());
}
