#include "pause/pause_policy.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <string>

using namespace std::chrono_literals;
using cobble::pause::days_until_paused;
using cobble::pause::forecast_pause;
using cobble::pause::PausePolicy;

namespace {

// The figure as the published tables print it.
std::string two_decimals(std::optional<double> days) {
  if (!days) return "never";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2f", *days);
  return buffer;
}

PausePolicy with_burst(std::int64_t burst) {
  PausePolicy policy;
  policy.failures.burst = burst;
  return policy;
}

}  // namespace

TEST_CASE("the presets carry Let's Encrypt's limits", "[pause]") {
  CHECK(PausePolicy{}.failures.burst == 3600);
  CHECK(PausePolicy::lets_encrypt_2024().failures.burst == 3600);
  CHECK(PausePolicy::lets_encrypt_2024().failures.emission_interval() == 24h);
  CHECK(PausePolicy::lets_encrypt_2025().failures.burst == 1152);
  CHECK(PausePolicy::lets_encrypt_2025().failures.emission_interval() == 24h);
  CHECK(PausePolicy::staging().failures.burst == 3600);
  CHECK(PausePolicy::staging().failures.emission_interval() == 6s);
  CHECK(PausePolicy{}.grace == std::chrono::days(14));
  CHECK(PausePolicy{}.link_lifetime == std::chrono::days(14));
}

TEST_CASE("the simulation reproduces Let's Encrypt's table for burst 3600", "[pause]") {
  auto [rate, published] = GENERATE(table<double, std::string>({
      {1, "never"},
      {2, "3600.00"},
      {5, "900.00"},
      {10, "400.00"},
      {40, "92.31"},
      {120, "30.25"},
  }));
  CAPTURE(rate);
  CHECK(two_decimals(days_until_paused(PausePolicy::lets_encrypt_2024(), rate)) == published);
}

TEST_CASE("the simulation reproduces the production figures for burst 1152", "[pause]") {
  auto [rate, published] = GENERATE(table<double, std::string>({
      {1, "never"},
      {2, "1152.00"},
      {120, "9.68"},
  }));
  CAPTURE(rate);
  CHECK(two_decimals(days_until_paused(PausePolicy::lets_encrypt_2025(), rate)) == published);
}

TEST_CASE("the pausing failure is the first one the bucket denies", "[pause]") {
  // Failure numbers from an independent exact simulation (boulder.md §1.4).
  auto [burst, rate, failure, days_to_it] = GENERATE(table<std::int64_t, double, std::int64_t, double>({
      {3600, 2, 7200, 3599.5},
      {3600, 5, 4500, 899.8},
      {3600, 10, 4000, 399.9},
      {3600, 40, 3693, 92.3},
      {3600, 120, 3631, 30.25},
      {1152, 2, 2304, 1151.5},
      {1152, 120, 1162, 9.675},
  }));
  CAPTURE(burst, rate);
  auto forecast = forecast_pause(with_burst(burst), rate);
  REQUIRE(forecast);
  CHECK(forecast->pausing_failure == failure);
  CHECK(forecast->days_to_pausing_failure == Approx(days_to_it).margin(1e-9));
  // The bucket runs dry within 1/(f − 1) days after the pausing failure.
  CHECK(forecast->days >= forecast->days_to_pausing_failure);
  CHECK(forecast->days - forecast->days_to_pausing_failure < 1 / (rate - 1));
}

TEST_CASE("days until paused is burst divided by the net drain for any burst", "[pause]") {
  auto burst = GENERATE(as<std::int64_t>{}, 1, 2, 17, 100, 1152, 3600);
  auto rate = GENERATE(1.5, 3.0, 7.0, 24.0, 1000.0);
  CAPTURE(burst, rate);
  auto days = days_until_paused(with_burst(burst), rate);
  REQUIRE(days);
  CHECK(*days == Approx(static_cast<double>(burst) / (rate - 1)).epsilon(1e-9));
}

TEST_CASE("a failure rate at or below the refill rate never pauses", "[pause]") {
  auto rate = GENERATE(0.0, -3.0, 0.5, 1.0, NAN, INFINITY);
  CAPTURE(rate);
  CHECK_FALSE(days_until_paused(PausePolicy::lets_encrypt_2024(), rate));
}

TEST_CASE("staging's 3600 per 6 hours never pauses a client failing up to 14,400 times a day", "[pause]") {
  auto rate = GENERATE(1.0, 120.0, 14400.0);
  CAPTURE(rate);
  CHECK_FALSE(days_until_paused(PausePolicy::staging(), rate));
  auto fast = days_until_paused(PausePolicy::staging(), 14400.0 * 2);
  REQUIRE(fast);
  CHECK(*fast == Approx(3600.0 / 14400.0).epsilon(1e-6));
}

TEST_CASE("a pause beyond the forecast horizon counts as never", "[pause]") {
  CHECK_FALSE(days_until_paused(with_burst(3600), 1.01));  // 360,000 days
  CHECK(days_until_paused(with_burst(3600), 1.2));         // 18,000 days
}

TEST_CASE("the published table prints every row for burst 3600", "[pause]") {
  const std::string printed = cobble::pause::published_table(PausePolicy::lets_encrypt_2024());
  CAPTURE(printed);
  CHECK(printed.find("burst 3600, refill 1 per 24h") != std::string::npos);
  auto [row] = GENERATE(table<std::string>({
      {"           1              never                    -\n"},
      {"           2            3600.00                 7200\n"},
      {"           5             900.00                 4500\n"},
      {"          10             400.00                 4000\n"},
      {"          40              92.31                 3693\n"},
      {"         120              30.25                 3631\n"},
  }));
  CHECK(printed.find(row) != std::string::npos);
}

TEST_CASE("the published table prints the production rows for burst 1152", "[pause]") {
  const std::string printed = cobble::pause::published_table(PausePolicy::lets_encrypt_2025());
  CAPTURE(printed);
  CHECK(printed.find("burst 1152, refill 1 per 24h") != std::string::npos);
  CHECK(printed.find("           2            1152.00                 2304\n") != std::string::npos);
  CHECK(printed.find("         120               9.68                 1162\n") != std::string::npos);
}
