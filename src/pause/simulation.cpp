#include "pause/simulation.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <queue>
#include <utility>

namespace cobble::pause {
namespace {

using namespace std::chrono_literals;
using common::gcra::Duration;
using common::gcra::TimePoint;

// forecast_pause()'s day 0, so a pair starting then sees the same instants as its forecast.
constexpr TimePoint kDayZero = std::chrono::sys_days{std::chrono::year{2024} / 12 / 5};
constexpr long double kDayNs = Duration(24h).count();

double to_days(Duration d) { return std::chrono::duration<double, std::ratio<86400>>(d).count(); }
// `days` must be within ±100,000 (nanosecond time points reach ±292 years).
Duration from_days(long double days) { return Duration(std::llround(days * kDayNs)); }
double day_of(TimePoint t) { return to_days(t - kDayZero); }

// What happens at one instant, in this order.
enum class Kind { click, success, failure };

struct Event {
  TimePoint at;
  Kind kind;
  std::size_t pair;  // index into the traffic
  auto operator<=>(const Event&) const = default;
};

struct PairState {
  TimePoint start{};
  std::int64_t next_failure = 0;  // k of the next scheduled failure
  std::int64_t next_success = 0;
  std::optional<TimePoint> tat;  // the stored bucket; nullopt: none (fresh)
  bool paused = false;
  TimePoint paused_at{};
  std::optional<TimePoint> unpaused_at;
  std::optional<TimePoint> click_at;  // the pending click on this pause's link
  // The last allowed failure's time and the tokens before its spend, since the bucket was created:
  // with the denied failure's balance it extrapolates when the bucket ran dry (forecast_pause()).
  std::optional<std::pair<TimePoint, double>> last_allowed;
  PairOutcome out;
};

// One simulation: the pairs of each account replayed in time order (pairs interact only through
// the account's unpause button), into one set of outcomes and per-day counts.
class Replay {
 public:
  Replay(const std::vector<PairTraffic>& traffic, const PausePolicy& policy, int days)
      : traffic_(traffic),
        policy_(policy),
        grace_(std::chrono::duration_cast<std::chrono::seconds>(policy.grace)),
        end_(kDayZero + std::chrono::days(days)),
        days_(days),
        states_(traffic.size()),
        failed_on_day_(static_cast<std::size_t>(days)),
        wanted_on_day_(static_cast<std::size_t>(days)) {}

  Simulation run() {
    std::map<std::string, std::vector<std::size_t>> accounts;
    for (std::size_t i = 0; i < traffic_.size(); ++i) accounts[traffic_[i].account].push_back(i);
    for (const auto& [account, pairs] : accounts) run_account(pairs);
    return result();
  }

 private:
  using Queue = std::priority_queue<Event, std::vector<Event>, std::greater<>>;

  void run_account(const std::vector<std::size_t>& pairs) {
    Queue queue;
    for (std::size_t i : pairs) {
      if (traffic_[i].start_day >= days_) continue;
      states_[i].start = kDayZero + from_days(traffic_[i].start_day);
      schedule(queue, i, Kind::failure);
      schedule(queue, i, Kind::success);
    }
    while (!queue.empty()) {
      const Event event = queue.top();
      queue.pop();
      PairState& state = states_[event.pair];
      switch (event.kind) {
        case Kind::click:
          // Nobody clicks a link whose pause another click already ended.
          if (state.paused && state.click_at == event.at) {
            for (std::size_t i : pairs) unpause(states_[i], event.at);
          }
          break;
        case Kind::success:
          succeed(state);
          schedule(queue, event.pair, Kind::success);
          break;
        case Kind::failure:
          fail(queue, event.pair, event.at);
          schedule(queue, event.pair, Kind::failure);
          break;
      }
    }
    for (std::size_t i : pairs) {
      PairState& state = states_[i];
      if (!state.paused) continue;
      state.out.paused_days += to_days(end_ - state.paused_at);
      state.out.paused_at_end = true;
    }
  }

  // Queues the pair's next failure or success (and advances its count) if it falls in the horizon.
  void schedule(Queue& queue, std::size_t pair, Kind kind) {
    const double rate =
        kind == Kind::failure ? traffic_[pair].failures_per_day : traffic_[pair].successes_per_day;
    if (rate <= 0) return;
    PairState& state = states_[pair];
    std::int64_t& k = kind == Kind::failure ? state.next_failure : state.next_success;
    const long double offset = static_cast<long double>(k) * kDayNs / rate;  // may be huge for tiny rates
    if (offset >= static_cast<long double>((end_ - state.start).count())) return;
    const TimePoint at = state.start + Duration(std::llround(offset));
    if (at >= end_) return;
    ++k;
    queue.push(Event{at, kind, pair});
  }

  void succeed(PairState& state) {
    if (state.paused) {
      ++state.out.successes_blocked;
      return;
    }
    ++state.out.successes;
    state.tat.reset();
    state.last_allowed.reset();
  }

  void fail(Queue& queue, std::size_t pair, TimePoint now) {
    PairState& state = states_[pair];
    const auto day = static_cast<std::size_t>((now - kDayZero) / 24h);
    ++wanted_on_day_[day];
    if (state.paused) {
      ++state.out.failures_avoided;
      return;
    }
    ++failed_on_day_[day];
    ++state.out.failures_attempted;
    const double balance = common::gcra::tokens_available(policy_.failures, state.tat, now);
    const auto spent = common::gcra::spend(policy_.failures, state.tat, now);
    state.tat = spent.new_tat;
    if (spent.allowed) {
      state.last_allowed = {now, balance};
      return;
    }
    if (state.unpaused_at && *state.unpaused_at + grace_ > now) {
      ++state.out.denied_in_grace;
      return;
    }
    if (state.out.pauses == 0) {
      state.out.first_paused_day = day_of(now);
      state.out.failures_until_paused = state.out.failures_attempted;
      if (state.last_allowed && state.last_allowed->second > balance) {
        const auto [before, before_balance] = *state.last_allowed;
        state.out.bucket_empty_day =
            day_of(now) + balance * to_days(now - before) / (before_balance - balance);
      }
    }
    ++state.out.pauses;
    state.paused = true;
    state.paused_at = now;
    state.click_at.reset();
    const auto& after = traffic_[pair].unpause_after_days;
    if (after && day_of(now) + *after < days_) {
      state.click_at = now + from_days(*after);
      queue.push(Event{*state.click_at, Kind::click, pair});
    }
  }

  void unpause(PairState& state, TimePoint now) {
    if (!state.paused) return;
    state.paused = false;
    state.unpaused_at = now;
    state.click_at.reset();
    state.out.paused_days += to_days(now - state.paused_at);
    ++state.out.unpauses;
  }

  Simulation result() const {
    Simulation sim{.policy = policy_, .days = days_};
    SimulationTotals& totals = sim.totals;
    totals.pairs = states_.size();
    for (const PairState& state : states_) {
      const PairOutcome& out = state.out;
      sim.pairs.push_back(out);
      if (out.first_paused_day) {
        ++totals.pairs_paused;
        totals.first_paused_day =
            std::min(totals.first_paused_day.value_or(*out.first_paused_day), *out.first_paused_day);
      }
      totals.failures_attempted += out.failures_attempted;
      totals.failures_avoided += out.failures_avoided;
      totals.successes += out.successes;
      totals.successes_blocked += out.successes_blocked;
      totals.repauses += out.repauses();
    }
    sim.failures_by_day = cumulative(failed_on_day_);
    sim.wanted_by_day = cumulative(wanted_on_day_);
    return sim;
  }

  static std::vector<std::int64_t> cumulative(const std::vector<std::int64_t>& per_day) {
    std::vector<std::int64_t> out{0};
    for (std::int64_t n : per_day) out.push_back(out.back() + n);
    return out;
  }

  const std::vector<PairTraffic>& traffic_;
  const PausePolicy& policy_;
  const std::chrono::seconds grace_;  // as storage receives it
  const TimePoint end_;
  const int days_;
  std::vector<PairState> states_;
  std::vector<std::int64_t> failed_on_day_;
  std::vector<std::int64_t> wanted_on_day_;
};

std::optional<std::string> bad_number(const char* name, double value) {
  if (!std::isfinite(value)) return fmt::format("{} must be a finite number", name);
  if (value < 0) return fmt::format("{} {} is negative", name, value);
  return std::nullopt;
}

}  // namespace

std::optional<TrafficProblem> check_traffic(const std::vector<PairTraffic>& traffic) {
  std::map<std::pair<std::string, std::string>, std::size_t> seen;
  for (std::size_t row = 0; row < traffic.size(); ++row) {
    const PairTraffic& t = traffic[row];
    auto problem = [&](std::string message) { return TrafficProblem{row, std::move(message)}; };
    if (t.account.empty()) return problem("the account is empty");
    if (t.identifier.empty()) return problem("the identifier is empty");
    for (const auto& [name, value] :
         {std::pair{"failures_per_day", t.failures_per_day},
          std::pair{"successes_per_day", t.successes_per_day}, std::pair{"start_day", t.start_day},
          std::pair{"unpause_after_days", t.unpause_after_days.value_or(0)}}) {
      if (auto bad = bad_number(name, value)) return problem(*bad);
    }
    for (const auto& [name, rate] : {std::pair{"failures_per_day", t.failures_per_day},
                                     std::pair{"successes_per_day", t.successes_per_day}}) {
      if (rate > kMaxValidationsPerDay) {
        return problem(fmt::format("{} {} is more than the simulator takes ({:.0f}: 1,000 a second)", name,
                                   rate, kMaxValidationsPerDay));
      }
    }
    if (!seen.emplace(std::pair{t.account, t.identifier}, row).second) {
      return problem(fmt::format("account '{}' identifier '{}' is given twice: one row per pair (one bucket)",
                                 t.account, t.identifier));
    }
  }
  return std::nullopt;
}

std::expected<Simulation, std::string> simulate(const std::vector<PairTraffic>& traffic,
                                                const PausePolicy& policy, int days) {
  if (auto problem = check_traffic(traffic)) {
    return std::unexpected(fmt::format("row {}: {}", problem->row + 1, problem->message));
  }
  if (days < 1 || days > kMaxSimulatedDays) {
    return std::unexpected(fmt::format("days must be between 1 and {} (got {})", kMaxSimulatedDays, days));
  }
  if (!policy.failures.valid()) {
    return std::unexpected(describe(policy.failures) + " is not a valid limit");
  }
  if (policy.grace < std::chrono::days::zero()) return std::unexpected("the grace period is negative");
  double validations = 0;
  for (const PairTraffic& t : traffic) {
    validations += (t.failures_per_day + t.successes_per_day) * std::max(0.0, days - t.start_day);
  }
  if (validations > kMaxSimulatedValidations) {
    return std::unexpected(fmt::format(
        "the traffic makes about {:.0f} validations in {} days, more than the {:.0f} the simulator "
        "takes: lower the rates, the pairs or the days",
        validations, days, kMaxSimulatedValidations));
  }
  return Replay(traffic, policy, days).run();
}

std::expected<std::vector<Simulation>, std::string> sweep(const std::vector<PairTraffic>& traffic,
                                                          const std::vector<PausePolicy>& policies,
                                                          int days) {
  std::vector<Simulation> out;
  for (const PausePolicy& policy : policies) {
    auto one = simulate(traffic, policy, days);
    if (!one) return std::unexpected(one.error());
    out.push_back(std::move(*one));
  }
  return out;
}

}  // namespace cobble::pause
