#include <catch2/catch.hpp>

#include "common/clock.hpp"

using cobble::common::parse_rfc3339;
using cobble::common::to_rfc3339;

TEST_CASE("RFC 3339 times parse with Z, offsets and fractions", "[common][clock]") {
  auto z = parse_rfc3339("2030-01-02T03:04:05Z");
  REQUIRE(z);
  CHECK(to_rfc3339(*z) == "2030-01-02T03:04:05Z");
  CHECK(parse_rfc3339("2030-01-02T04:04:05+01:00") == z);
  CHECK(parse_rfc3339("2030-01-02T03:04:05.123456Z").has_value());
  for (auto bad : {"2030-13-01T00:00:00Z", "2030-01-01 00:00:00Z", "2030-01-01T00:00:00", "x", ""}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_rfc3339(bad));
  }
}

TEST_CASE("times a TimePoint cannot hold are refused, not overflowed", "[common][clock]") {
  // Nanoseconds in 64 bits reach from 1677 to 2262 (found by the acme_api fuzzer: notBefore 4060).
  for (auto far :
       {"4060-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "0000-01-01T00:00:00Z", "1600-01-01T00:00:00Z"}) {
    CAPTURE(far);
    CHECK_FALSE(parse_rfc3339(far));
  }
  CHECK(parse_rfc3339("2261-12-31T00:00:00Z").has_value());
  CHECK(parse_rfc3339("1970-01-01T00:00:00Z").has_value());
}

TEST_CASE("the second before the epoch is a time like any other", "[common][clock]") {
  auto t = parse_rfc3339("1969-12-31T23:59:59Z");
  REQUIRE(t);
  CHECK(std::chrono::duration_cast<std::chrono::seconds>(t->time_since_epoch()).count() == -1);
}
