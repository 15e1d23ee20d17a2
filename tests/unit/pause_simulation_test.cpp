#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <string>

#include "pause/simulation.hpp"

using cobble::pause::forecast_pause;
using cobble::pause::PairOutcome;
using cobble::pause::PairTraffic;
using cobble::pause::PausePolicy;
using cobble::pause::simulate;
using cobble::pause::Simulation;

namespace {

PausePolicy limit(std::int64_t burst, std::int64_t count = 1,
                  std::chrono::hours period = std::chrono::hours(24)) {
  PausePolicy policy;
  policy.failures = {burst, count, period};
  return policy;
}

PairTraffic pair(std::string account, double failures, double successes = 0) {
  return PairTraffic{.account = std::move(account),
                     .identifier = "example.com",
                     .failures_per_day = failures,
                     .successes_per_day = successes};
}

Simulation run(const std::vector<PairTraffic>& traffic, const PausePolicy& policy, int days) {
  auto sim = simulate(traffic, policy, days);
  REQUIRE(sim);
  return std::move(*sim);
}

PairOutcome run_one(const PairTraffic& traffic, const PausePolicy& policy, int days) {
  return run({traffic}, policy, days).pairs.at(0);
}

// Every published rate as one pair of its own, simulated long enough for 2 failures a day to pause.
void check_published_table(const PausePolicy& policy,
                           const std::vector<std::pair<double, std::string>>& published) {
  std::vector<PairTraffic> traffic;
  for (const auto& [rate, figure] : published) traffic.push_back(pair("rate-" + std::to_string(rate), rate));
  const Simulation sim = run(traffic, policy, 3650);
  for (std::size_t i = 0; i < published.size(); ++i) {
    const auto& [rate, figure] = published[i];
    const PairOutcome& out = sim.pairs[i];
    CAPTURE(rate);
    // As the published tables print it.
    CHECK((out.bucket_empty_day ? fmt::format("{:.2f}", *out.bucket_empty_day) : "never") == figure);
    const auto forecast = forecast_pause(policy, rate);
    CHECK(forecast.has_value() == out.first_paused_day.has_value());
    if (!forecast) continue;
    CHECK(out.failures_until_paused == forecast->pausing_failure);
    CHECK(*out.first_paused_day == Approx(forecast->days_to_pausing_failure).margin(1e-9));
    CHECK(*out.bucket_empty_day == Approx(forecast->days).margin(1e-9));
  }
}

}  // namespace

TEST_CASE("the simulator reproduces Let's Encrypt's published table for burst 3600", "[pause][simulation]") {
  check_published_table(
      PausePolicy::lets_encrypt_2024(),
      {{1, "never"}, {2, "3600.00"}, {5, "900.00"}, {10, "400.00"}, {40, "92.31"}, {120, "30.25"}});
}

TEST_CASE("the simulator reproduces the production table for burst 1152", "[pause][simulation]") {
  check_published_table(
      PausePolicy::lets_encrypt_2025(),
      {{1, "never"}, {2, "1152.00"}, {5, "288.00"}, {10, "128.00"}, {40, "29.54"}, {120, "9.68"}});
}

TEST_CASE("pausing avoids the failures the client would have made until the horizon", "[pause][simulation]") {
  // 120 a day against 1152: the 1162nd failure (day 9.675) pauses; 28 days would have made 3360.
  const Simulation sim = run({pair("a", 120)}, PausePolicy::lets_encrypt_2025(), 28);
  const PairOutcome& out = sim.pairs[0];
  CHECK(*out.first_paused_day == Approx(9.675));
  CHECK(out.failures_until_paused == 1162);
  CHECK(out.failures_attempted == 1162);
  CHECK(out.failures_avoided == 28 * 120 - 1162);
  CHECK(out.paused_days == Approx(28 - 9.675));
  CHECK(out.paused_at_end);
  CHECK(out.pauses == 1);
  CHECK(out.repauses() == 0);

  CHECK(sim.totals.pairs_paused == 1);
  CHECK(sim.totals.failures_attempted == 1162);
  CHECK(sim.totals.failures_wanted() == 3360);
  REQUIRE(sim.failures_by_day.size() == 29);
  CHECK(sim.failures_by_day[0] == 0);
  CHECK(sim.failures_by_day[9] == 9 * 120);
  CHECK(sim.failures_by_day[10] == 1162);
  CHECK(sim.failures_by_day[28] == 1162);
  CHECK(sim.wanted_by_day[10] == 1200);
  CHECK(sim.wanted_by_day[28] == 3360);
}

TEST_CASE("a success deletes the bucket, so failures between successes must exceed it",
          "[pause][simulation]") {
  // Burst 5, refill 1 a day, a failure every 6 hours: 3 tokens drained a day.
  const PausePolicy policy = limit(5);
  const PairOutcome failing = run_one(pair("a", 4), policy, 30);
  REQUIRE(failing.first_paused_day);
  CHECK(*failing.first_paused_day < 2);

  // A success each day resets the count before the fifth failure.
  const PairOutcome reset = run_one(pair("a", 4, 1), policy, 30);
  CHECK_FALSE(reset.first_paused_day);
  CHECK(reset.successes == 30);
  CHECK(reset.failures_attempted == 120);
  CHECK(reset.failures_avoided == 0);

  // One success every 10 days does not come in time; those after the pause are blocked with it.
  const PairOutcome blocked = run_one(pair("a", 120, 0.1), PausePolicy::lets_encrypt_2025(), 28);
  CHECK(*blocked.first_paused_day == Approx(9.675));
  CHECK(blocked.successes == 1);
  CHECK(blocked.successes_blocked == 2);
}

TEST_CASE("an unpaused pair is not re-paused within the grace period, then is", "[pause][simulation]") {
  // Burst 2, refill 1 a day, a failure every hour: the third (hour 2) pauses; the click comes a day
  // later (hour 26). The bucket refilled about one token meanwhile, and keeps refilling one a day,
  // so the failures in grace are mostly denied without pausing; the first denied one at or after
  // hour 26 + 14 days (hour 362) re-pauses.
  PairTraffic clicked = pair("a", 24);
  clicked.unpause_after_days = 1;
  const PausePolicy policy = limit(2);

  const PairOutcome first = run_one(clicked, policy, 15);
  CHECK(*first.first_paused_day == Approx(2.0 / 24));
  CHECK(first.failures_until_paused == 3);
  CHECK(first.pauses == 1);
  CHECK(first.unpauses == 1);
  CHECK(first.denied_in_grace > 300);
  CHECK_FALSE(first.paused_at_end);

  const PairOutcome second = run_one(clicked, policy, 16);
  CHECK(second.pauses == 2);
  CHECK(second.paused_at_end);
  CHECK(second.paused_days == Approx(1 + (16 - 362.0 / 24)));

  // 40 days: paused at hours 2, 362 and 722, a day each; the 23 failures of the hours in between
  // avoided each time (the one at the click's hour runs: the click comes first).
  const PairOutcome cycles = run_one(clicked, policy, 40);
  CHECK(cycles.pauses == 3);
  CHECK(cycles.repauses() == 2);
  CHECK(cycles.unpauses == 3);
  CHECK(cycles.paused_days == Approx(3.0));
  CHECK(cycles.failures_avoided == 3 * 23);
  CHECK(cycles.failures_attempted == 40 * 24 - 3 * 23);

  // Without a grace period the next denied failure re-pauses at once.
  PausePolicy no_grace = policy;
  no_grace.grace = std::chrono::days(0);
  CHECK(run_one(clicked, no_grace, 15).pauses > 10);
}

TEST_CASE("a click unpauses every paused pair of the account, not other accounts'", "[pause][simulation]") {
  PairTraffic clicked = pair("a", 120);
  clicked.unpause_after_days = 1;
  PairTraffic sibling = pair("a", 120);
  sibling.identifier = "www.example.com";
  const PairTraffic stranger = pair("b", 120);
  const Simulation sim = run({clicked, sibling, stranger}, PausePolicy::lets_encrypt_2025(), 12);
  CHECK(sim.pairs[0].unpauses == 1);
  CHECK(sim.pairs[1].unpauses == 1);
  CHECK_FALSE(sim.pairs[1].paused_at_end);
  CHECK(sim.pairs[2].unpauses == 0);
  CHECK(sim.pairs[2].paused_at_end);
  CHECK(sim.pairs[2].paused_days == Approx(12 - 9.675));
}

TEST_CASE("a later start shifts the pause by as much", "[pause][simulation]") {
  PairTraffic late = pair("late", 40);
  late.start_day = 5.5;
  const Simulation sim = run({pair("early", 40), late}, PausePolicy::lets_encrypt_2025(), 60);
  REQUIRE(sim.pairs[0].first_paused_day);
  REQUIRE(sim.pairs[1].first_paused_day);
  CHECK(*sim.pairs[1].first_paused_day - *sim.pairs[0].first_paused_day == Approx(5.5));
  CHECK(sim.pairs[1].failures_until_paused == sim.pairs[0].failures_until_paused);
  CHECK(sim.totals.first_paused_day == sim.pairs[0].first_paused_day);
  // Deterministic: the same input gives the same figures.
  const Simulation again = run({pair("early", 40), late}, PausePolicy::lets_encrypt_2025(), 60);
  CHECK(again.failures_by_day == sim.failures_by_day);
}

TEST_CASE("a sweep simulates the same traffic under each policy in order", "[pause][simulation]") {
  auto runs = cobble::pause::sweep({pair("a", 120)}, {limit(3600), limit(1152), limit(300)}, 28);
  REQUIRE(runs);
  REQUIRE(runs->size() == 3);
  CHECK_FALSE((*runs)[0].pairs[0].first_paused_day);
  CHECK((*runs)[1].policy.failures.burst == 1152);
  CHECK((*runs)[1].pairs[0].failures_until_paused == 1162);
  CHECK((*runs)[2].pairs[0].failures_until_paused < 310);
  CHECK((*runs)[0].totals.failures_avoided < (*runs)[1].totals.failures_avoided);
  CHECK((*runs)[1].totals.failures_avoided < (*runs)[2].totals.failures_avoided);
}

TEST_CASE("the simulator refuses bad traffic and settings with the reason", "[pause][simulation]") {
  auto refused = [](std::vector<PairTraffic> traffic, const PausePolicy& policy, int days) {
    auto sim = simulate(traffic, policy, days);
    REQUIRE_FALSE(sim);
    return sim.error();
  };
  const PausePolicy policy;
  PairTraffic negative = pair("a", -1);
  CHECK(refused({pair("a", 1), negative}, policy, 28) == "row 2: failures_per_day -1 is negative");
  PairTraffic nan_start = pair("a", 1);
  nan_start.start_day = NAN;
  CHECK(refused({nan_start}, policy, 28) == "row 1: start_day must be a finite number");
  PairTraffic never = pair("a", 1);
  never.unpause_after_days = -2;
  CHECK(refused({never}, policy, 28) == "row 1: unpause_after_days -2 is negative");
  CHECK(refused({pair("", 1)}, policy, 28) == "row 1: the account is empty");
  CHECK(refused({pair("a", 1), pair("a", 2)}, policy, 28).starts_with("row 2: account 'a' identifier"));
  CHECK(refused({pair("a", 1)}, policy, 0).starts_with("days must be between 1 and"));
  CHECK(refused({pair("a", 1)}, limit(0), 28) == "burst 0, refill 1 per 24h is not a valid limit");
  CHECK(refused({pair("a", 1e9)}, policy, 28) ==
        "row 1: failures_per_day 1000000000 is more than the simulator takes (86400000: 1,000 a second)");
  CHECK(refused({pair("a", 1e6), pair("b", 1e6)}, policy, 60).find("more than the 100000000") !=
        std::string::npos);
  // No traffic at all is a quiet month, not an error.
  auto empty = simulate({}, policy, 28);
  REQUIRE(empty);
  CHECK(empty->totals.failures_wanted() == 0);
}
