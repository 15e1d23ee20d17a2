#include "pause/pause_policy.hpp"

#include <fmt/format.h>

#include <array>
#include <cmath>

namespace cobble::pause {
namespace {

using namespace std::chrono_literals;
using common::gcra::Duration;
using common::gcra::Limit;
using common::gcra::SpendResult;
using common::gcra::TimePoint;

constexpr std::int64_t kMaxSimulatedFailures = 100'000'000;
// Nanosecond time points reach only ±292 years; no policy worth configuring pauses later than this.
constexpr double kForecastHorizonDays = 200 * 365.2425;
constexpr std::array<double, 6> kPublishedRates = {1, 2, 5, 10, 40, 120};

double to_days(Duration d) { return std::chrono::duration<double, std::ratio<86400>>(d).count(); }

}  // namespace

std::string describe_period(Duration period) {
  if (period % 1h == Duration::zero()) return fmt::format("{}h", period / 1h);
  if (period % 1min == Duration::zero()) return fmt::format("{}m", period / 1min);
  if (period % 1s == Duration::zero()) return fmt::format("{}s", period / 1s);
  return fmt::format("{}ns", period.count());
}

std::string describe(const common::gcra::Limit& limit) {
  return fmt::format("burst {}, refill {} per {}", limit.burst, limit.count, describe_period(limit.period));
}

PausePolicy PausePolicy::lets_encrypt_2024() { return PausePolicy{.failures = {3600, 1, 24h}}; }

PausePolicy PausePolicy::lets_encrypt_2025() { return PausePolicy{.failures = {1152, 1, 24h}}; }

PausePolicy PausePolicy::staging() { return PausePolicy{.failures = {3600, 3600, 6h}}; }

// The simulation spends cost 1 at t_k = k days / f (k = 0, 1, ...) on a fresh bucket until the
// first denial, exactly as the limiter would, so `pausing_failure` and `days_to_pausing_failure`
// are what Cobble does. With burst 3600 they give 7200th failure at 3599.50 d (2/day), 4500th at
// 899.80 d (5/day), 4000th at 399.90 d (10/day), 3693rd at 92.30 d (40/day), 3631st at 30.25 d
// (120/day).
//
// Let's Encrypt's published figures (3600, 900, 400, 92.31, 30.25) are burst/(f − 1): the moment
// the bucket would hold zero tokens if failures drained it continuously. No reading of the discrete
// pause matches all of them (counting from a bucket created one interval before the first failure
// gives 3600, 900, 400 but 92.325 and 30.258). The figure is still a property of the simulated
// bucket: just before each spend the bucket holds b_k = burst − k(f − r)/f tokens (r = refill per
// day), a straight line in t_k, so the instant it reaches zero is found exactly by extending the
// line through the last two pre-spend balances (the last allowed failure's and the denied one's):
// t* = t_k + b_k · (t_k − t_{k−1}) / (b_{k−1} − b_k). The denied failure is the first with
// b_k < 1, so it comes at most 1/(f − r) days before t*.
std::optional<PauseForecast> forecast_pause(const PausePolicy& policy, double failures_per_day) {
  const Limit& limit = policy.failures;
  if (!limit.valid() || !std::isfinite(failures_per_day) || failures_per_day <= 0) return std::nullopt;
  if (failures_per_day <= limit.tokens_per_day()) return std::nullopt;

  const TimePoint first = std::chrono::sys_days{std::chrono::year{2024} / 12 / 5};
  const long double day_ns = Duration(24h).count();
  const auto failure_time = [&](std::int64_t k) {
    return first + Duration(std::llround(static_cast<long double>(k) * day_ns / failures_per_day));
  };

  std::optional<TimePoint> tat;
  double previous_balance = 0;
  for (std::int64_t k = 0; k < kMaxSimulatedFailures; ++k) {
    if (static_cast<double>(k) / failures_per_day > kForecastHorizonDays) break;
    const TimePoint now = failure_time(k);
    const double balance = common::gcra::tokens_available(limit, tat, now);
    const SpendResult result = common::gcra::spend(limit, tat, now);
    if (result.allowed) {
      tat = result.new_tat;
      previous_balance = balance;
      continue;
    }
    // k ≥ 1: a fresh bucket always allows one spend (burst ≥ 1).
    const Duration step = now - failure_time(k - 1);
    const double dry = to_days(now - first) + balance * to_days(step) / (previous_balance - balance);
    return PauseForecast{
        .pausing_failure = k + 1, .days_to_pausing_failure = to_days(now - first), .days = dry};
  }
  return std::nullopt;
}

std::optional<double> days_until_paused(const PausePolicy& policy, double failures_per_day) {
  auto forecast = forecast_pause(policy, failures_per_day);
  if (!forecast) return std::nullopt;
  return forecast->days;
}

std::string published_table(const PausePolicy& policy) {
  const Limit& limit = policy.failures;
  std::string out = describe(limit) + "\n";
  out += fmt::format("{:>12}  {:>17}  {:>19}\n", "failures/day", "days until paused", "paused at failure #");
  for (double rate : kPublishedRates) {
    const auto forecast = forecast_pause(policy, rate);
    if (forecast) {
      out += fmt::format("{:>12}  {:>17.2f}  {:>19}\n", rate, forecast->days, forecast->pausing_failure);
    } else {
      out += fmt::format("{:>12}  {:>17}  {:>19}\n", rate, "never", "-");
    }
  }
  return out;
}

}  // namespace cobble::pause
