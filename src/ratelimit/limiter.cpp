#include "ratelimit/limiter.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <ctime>

namespace cobble::ratelimit {
namespace {

using namespace std::chrono_literals;

constexpr int kConflictRetries = 5;

std::vector<std::string> key_texts(const std::vector<Transaction>& transactions) {
  std::vector<std::string> keys;
  for (const auto& t : transactions) keys.push_back(t.key.text());
  return keys;
}

std::optional<TimePoint> lookup(const std::map<std::string, TimePoint>& tats, const std::string& key) {
  auto it = tats.find(key);
  return it == tats.end() ? std::nullopt : std::optional<TimePoint>(it->second);
}

// One change per bucket, from the first expected TAT to the last new one.
void record_change(std::vector<BucketChange>& changes, const std::string& key,
                   std::optional<TimePoint> before, std::optional<TimePoint> after) {
  for (auto& change : changes) {
    if (change.key == key) {
      change.tat = after;
      return;
    }
  }
  changes.push_back({key, before, after});
}

// Go's time.Duration text for whole seconds, as Boulder's messages print a period: "3h0m0s", "12m0s", "45s".
std::string go_duration(Duration d) {
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(d).count();
  if (seconds < 60) return fmt::format("{}s", seconds);
  if (seconds < 3600) return fmt::format("{}m{}s", seconds / 60, seconds % 60);
  return fmt::format("{}h{}m{}s", seconds / 3600, seconds % 3600 / 60, seconds % 60);
}

std::string utc_text(TimePoint t) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(std::chrono::ceil<std::chrono::seconds>(t));
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &parts);
  return text;
}

}  // namespace

Plan plan_spend(const LimitTable& table, const std::map<std::string, TimePoint>& tats, TimePoint now,
                const std::vector<Transaction>& transactions) {
  Plan plan;
  std::map<std::string, std::optional<TimePoint>> current;  // each bucket as the batch has left it
  auto state = [&](const std::string& key) {
    auto it = current.find(key);
    if (it != current.end()) return it->second;
    return lookup(tats, key);
  };
  for (const auto& t : transactions) {
    auto key = t.key.text();
    const auto* limit = table.find(t.key.limit, key);
    if (limit == nullptr) continue;
    auto before = state(key);
    auto result = common::gcra::spend(*limit, before, now, t.cost);
    if (!result.allowed) {
      if (t.action == Action::spend_only) continue;
      if (!plan.decision.denial || result.retry_in > plan.decision.denial->retry_in) {
        plan.decision.denial = Denial{t.key.limit, *limit, key, result.retry_in};
      }
      continue;
    }
    if (t.action == Action::check_only) continue;
    current[key] = result.new_tat;
    record_change(plan.changes, key, lookup(tats, key), result.new_tat);
  }
  if (plan.decision.denial) plan.changes.clear();
  return plan;
}

std::vector<BucketChange> plan_refund(const LimitTable& table, const std::map<std::string, TimePoint>& tats,
                                      TimePoint now, const std::vector<Transaction>& transactions) {
  std::vector<BucketChange> changes;
  std::map<std::string, std::optional<TimePoint>> current;
  for (const auto& t : transactions) {
    auto key = t.key.text();
    const auto* limit = table.find(t.key.limit, key);
    if (limit == nullptr || !limit->valid() || t.cost <= 0) continue;
    auto it = current.find(key);
    auto before = it != current.end() ? it->second : lookup(tats, key);
    if (!before) continue;  // already full
    TimePoint back = *before - limit->emission_interval() * t.cost;
    std::optional<TimePoint> after = back <= now ? std::nullopt : std::optional<TimePoint>(back);
    current[key] = after;
    record_change(changes, key, lookup(tats, key), after);
  }
  return changes;
}

std::string refusal_detail(const Denial& denial, TimePoint now, const std::string& docs_url) {
  return fmt::format("too many {} ({} per {}), retry after {}: see {}#{}", describe(denial.limit),
                     denial.values.count, go_duration(denial.values.period), utc_text(now + denial.retry_in),
                     docs_url, docs_anchor(denial.limit));
}

std::int64_t retry_after_seconds(Duration retry_in, double jitter_fraction) {
  auto wait = std::chrono::ceil<std::chrono::seconds>(std::max(retry_in, Duration::zero())).count();
  double fraction = std::clamp(jitter_fraction, 0.0, 1.0);
  return wait + static_cast<std::int64_t>(std::floor(static_cast<double>(wait) * 0.03 * fraction));
}

Counters::Counters() {
  for (auto name : kAllLimits) per_limit[name];
}

Limiter::Limiter(BucketStore& store, const common::Clock& clock, LimitTable table)
    : store_(store), clock_(clock), table_(std::move(table)) {}

bool Limiter::enabled() const {
  std::shared_lock lock(table_mu_);
  return table_.enabled();
}

LimitTable Limiter::table() const {
  std::shared_lock lock(table_mu_);
  return table_;
}

void Limiter::set_override(const std::string& bucket_key, std::optional<common::gcra::Limit> limit) {
  std::unique_lock lock(table_mu_);
  if (limit) {
    table_.overrides[bucket_key] = *limit;
  } else {
    table_.overrides.erase(bucket_key);
  }
}

Decision Limiter::check_and_spend(const std::vector<Transaction>& transactions) {
  if (transactions.empty()) return {};
  auto table = this->table();
  if (!table.enabled()) return {};
  auto keys = key_texts(transactions);
  for (int attempt = 0; attempt < kConflictRetries; ++attempt) {
    auto tats = store_.load(keys);
    if (!tats) {
      spdlog::warn("rate limits: reading buckets failed, letting the request through: {}",
                   tats.error().message);
      return fail_open(table, transactions);
    }
    auto plan = plan_spend(table, *tats, clock_.now(), transactions);
    bool written = true;
    if (!plan.changes.empty()) {
      auto applied = store_.apply(plan.changes);
      if (!applied) {
        spdlog::warn("rate limits: spending failed, letting the request through: {}",
                     applied.error().message);
        return fail_open(table, transactions);
      }
      written = *applied;
    }
    if (!written) continue;  // another request spent one of these buckets first: decide again
    for (const auto& t : transactions) {
      if (t.action == Action::spend_only || table.find(t.key.limit, t.key.text()) == nullptr) continue;
      bool denied = plan.decision.denial && plan.decision.denial->limit == t.key.limit;
      auto& counts = counters_.per_limit.at(t.key.limit);
      ++(denied ? counts.denied : counts.allowed);
    }
    return plan.decision;
  }
  spdlog::warn("rate limits: buckets kept changing under {} attempts, letting the request through",
               kConflictRetries);
  return fail_open(table, transactions);
}

Decision Limiter::fail_open(const LimitTable& table, const std::vector<Transaction>& transactions) {
  ++counters_.failed_open;
  for (const auto& t : transactions) {
    if (t.action != Action::spend_only && table.find(t.key.limit, t.key.text()) != nullptr) {
      ++counters_.per_limit.at(t.key.limit).failed_open;
    }
  }
  return Decision{.failed_open = true};
}

void Limiter::refund(const std::vector<Transaction>& transactions) {
  if (transactions.empty()) return;
  auto table = this->table();
  if (!table.enabled()) return;
  auto keys = key_texts(transactions);
  for (int attempt = 0; attempt < kConflictRetries; ++attempt) {
    auto tats = store_.load(keys);
    if (!tats) break;
    auto changes = plan_refund(table, *tats, clock_.now(), transactions);
    if (changes.empty()) return;
    auto applied = store_.apply(changes);
    if (!applied) break;
    if (*applied) return;
  }
  spdlog::warn("rate limits: a refund could not be written");
  ++counters_.failed_open;
}

common::Result<std::map<std::string, TimePoint>> Limiter::buckets(const std::vector<std::string>& keys) {
  return store_.load(keys);
}

}  // namespace cobble::ratelimit
