#include <catch2/catch.hpp>
#include <chrono>
#include <optional>

#include "common/gcra.hpp"

using namespace std::chrono_literals;
using cobble::common::gcra::Duration;
using cobble::common::gcra::Limit;
using cobble::common::gcra::spend;
using cobble::common::gcra::TimePoint;

namespace {

const TimePoint kStart = std::chrono::sys_days{std::chrono::year{2024} / 12 / 5};

// Spends cost 1 at `now` until the first denial; returns how many were allowed.
int spend_until_denied(const Limit& limit, std::optional<TimePoint>& tat, TimePoint now) {
  int allowed = 0;
  for (;;) {
    auto result = spend(limit, tat, now);
    if (!result.allowed) return allowed;
    tat = result.new_tat;
    ++allowed;
  }
}

}  // namespace

TEST_CASE("a fresh bucket allows exactly burst spends at one instant", "[common]") {
  auto burst = GENERATE(as<std::int64_t>{}, 1, 2, 5, 1152, 3600);
  auto count = GENERATE(as<std::int64_t>{}, 1, 3, 3600);
  CAPTURE(burst, count);
  const Limit limit{burst, count, 24h};
  std::optional<TimePoint> tat;
  CHECK(spend_until_denied(limit, tat, kStart) == burst);
}

TEST_CASE("the first spend on a fresh bucket reports burst minus one remaining", "[common]") {
  const Limit limit{5, 1, 24h};
  auto first = spend(limit, std::nullopt, kStart);
  CHECK(first.allowed);
  CHECK(first.remaining == 4);
  CHECK(first.new_tat == kStart + 24h);
  CHECK(first.retry_in == Duration::zero());
}

TEST_CASE("the spend that empties the bucket says when the next token comes", "[common]") {
  const Limit limit{2, 1, 24h};
  auto first = spend(limit, std::nullopt, kStart);
  auto second = spend(limit, first.new_tat, kStart);
  CHECK(second.allowed);
  CHECK(second.remaining == 0);
  CHECK(second.retry_in == 24h);
}

TEST_CASE("a denied spend leaves the TAT where it was and says when to retry", "[common]") {
  const Limit limit{3, 1, 24h};
  std::optional<TimePoint> tat;
  REQUIRE(spend_until_denied(limit, tat, kStart) == 3);
  const auto now = kStart + 5h;
  auto denied = spend(limit, tat, now);
  CHECK_FALSE(denied.allowed);
  CHECK(denied.new_tat == *tat);
  CHECK(denied.remaining == 0);
  CHECK(denied.retry_in == 19h);
  // Denials cost nothing: many of them do not push the next allowed spend further away.
  for (int i = 0; i < 100; ++i) CHECK_FALSE(spend(limit, tat, now).allowed);
  CHECK(spend(limit, tat, now + denied.retry_in).allowed);
}

TEST_CASE("the bucket refills one token per emission interval", "[common]") {
  auto elapsed_intervals = GENERATE(0, 1, 2, 3, 10);
  CAPTURE(elapsed_intervals);
  const Limit limit{3, 4, 24h};  // emission interval 6 h
  REQUIRE(limit.emission_interval() == 6h);
  std::optional<TimePoint> tat;
  REQUIRE(spend_until_denied(limit, tat, kStart) == 3);
  const auto later = kStart + elapsed_intervals * 6h;
  CHECK(spend_until_denied(limit, tat, later) == std::min(elapsed_intervals, 3));
  // Emptied again at `later`: the next token comes one interval later, not a nanosecond sooner.
  CHECK_FALSE(spend(limit, tat, later + 6h - 1ns).allowed);
  CHECK(spend(limit, tat, later + 6h).allowed);
}

TEST_CASE("a spend costing more than what is left is denied without spending anything", "[common]") {
  const Limit limit{10, 1, 24h};
  auto first = spend(limit, std::nullopt, kStart, 7);
  REQUIRE(first.allowed);
  CHECK(first.remaining == 3);
  auto too_much = spend(limit, first.new_tat, kStart, 4);
  CHECK_FALSE(too_much.allowed);
  CHECK(too_much.remaining == 3);
  CHECK(too_much.new_tat == first.new_tat);
  CHECK(too_much.retry_in == 24h);
  CHECK(spend(limit, first.new_tat, kStart, 3).allowed);
}

TEST_CASE("a cost above burst, a negative cost or an invalid limit is never allowed", "[common]") {
  const Limit good{3, 1, 24h};
  CHECK_FALSE(spend(good, std::nullopt, kStart, 4).allowed);
  CHECK(spend(good, std::nullopt, kStart, 4).retry_in == Duration::max());
  CHECK_FALSE(spend(good, std::nullopt, kStart, -1).allowed);
  auto bad = GENERATE(Limit{0, 1, 24h}, Limit{1, 0, 24h}, Limit{1, 1, Duration::zero()},
                      Limit{1, 2, Duration(1)}, Limit{std::int64_t{1} << 40, 1, 24h});
  CAPTURE(bad.burst, bad.count, bad.period.count());
  CHECK_FALSE(bad.valid());
  CHECK_FALSE(spend(bad, std::nullopt, kStart).allowed);
}

TEST_CASE("a zero-cost spend reads the bucket without changing it", "[common]") {
  const Limit limit{4, 1, 24h};
  auto first = spend(limit, std::nullopt, kStart);
  auto peek = spend(limit, first.new_tat, kStart, 0);
  CHECK(peek.allowed);
  CHECK(peek.remaining == 3);
  CHECK(peek.new_tat == first.new_tat);
}

TEST_CASE("a clock going backwards never grants extra tokens", "[common]") {
  const Limit limit{3, 1, 24h};
  std::optional<TimePoint> tat;
  REQUIRE(spend_until_denied(limit, tat, kStart) == 3);
  auto step_back = GENERATE(1ns, 1s, 1h, 24h * 400);
  CAPTURE(step_back.count());
  auto earlier = spend(limit, tat, kStart - step_back);
  CHECK_FALSE(earlier.allowed);
  CHECK(earlier.new_tat == *tat);
  CHECK(earlier.remaining <= 0);
  // Once the clock is back to normal, the bucket behaves as if nothing happened.
  CHECK(spend(limit, tat, kStart + 24h).allowed);
}

TEST_CASE("a bucket idle for longer than it takes to refill is simply full", "[common]") {
  const Limit limit{5, 1, 24h};
  std::optional<TimePoint> tat;
  REQUIRE(spend_until_denied(limit, tat, kStart) == 5);
  CHECK(spend_until_denied(limit, tat, kStart + 24h * 365) == 5);
}

TEST_CASE("tokens_available reads fractional capacity", "[common]") {
  const Limit limit{2, 1, 24h};
  CHECK(cobble::common::gcra::tokens_available(limit, std::nullopt, kStart) == Approx(2.0));
  auto first = spend(limit, std::nullopt, kStart);
  auto second = spend(limit, first.new_tat, kStart);
  CHECK(cobble::common::gcra::tokens_available(limit, second.new_tat, kStart + 12h) == Approx(0.5));
}
