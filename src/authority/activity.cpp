#include "authority/activity.hpp"

#include <algorithm>

#include "authority/errors.hpp"

namespace cobble::authority {

std::string series::rate_limit_denied(ratelimit::LimitName limit) {
  return std::string(kRateLimitDenied) + ":" + std::string(ratelimit::to_string(limit));
}

std::optional<Window> window_named(std::string_view name) {
  for (const Window& w : {kLastDay, kLastMonth}) {
    if (w.name == name) return w;
  }
  return std::nullopt;
}

std::map<std::string, std::uint64_t> activity_counters(const Pauses* pauses, const RateLimits* rate_limits) {
  std::map<std::string, std::uint64_t> counts;
  if (pauses) {
    const auto& c = pauses->counters();
    counts[std::string(series::kPaused)] = c.paused.load();
    counts[std::string(series::kRepaused)] = c.repaused.load();
    counts[std::string(series::kSkippedForGrace)] = c.skipped_for_grace.load();
    counts[std::string(series::kUnpaused)] = c.unpaused.load();
    counts[std::string(series::kRefusedOrders)] = c.refused_orders.load();
  }
  if (rate_limits) {
    std::uint64_t denied = 0;
    for (const auto& [limit, c] : rate_limits->counters().per_limit) {
      auto n = c.denied.load();
      counts[series::rate_limit_denied(limit)] = n;
      denied += n;
    }
    counts[std::string(series::kRateLimitDenied)] = denied;
  }
  return counts;
}

std::int64_t failures_left(const common::gcra::Limit& limit, common::TimePoint tat, common::TimePoint now) {
  if (!limit.valid()) return 0;
  // As gcra::spend decides: a failure is allowed while now >= max(now, tat) + EI - burst offset, so
  // the whole emission intervals between the bucket's emptiness and now are the failures left.
  auto room = now - (std::max(now, tat) - limit.burst_offset());
  if (room.count() <= 0) return 0;
  return std::min<std::int64_t>(room / limit.emission_interval(), limit.burst);
}

acme::Result<std::vector<storage::SeriesPoint>> Activity::series(std::string_view name, const Window& window,
                                                                 common::TimePoint now) const {
  auto points = store_.read_series(std::string(name), window.resolution, since(window, now));
  if (!points) return acme::fail(internal_error("reading the dashboard's series", points.error()));
  return *points;
}

acme::Result<std::vector<storage::ValidationCounts>> Activity::validations(const Window& window,
                                                                           common::TimePoint now) const {
  auto counts = store_.count_validations(window.resolution, since(window, now));
  if (!counts) return acme::fail(internal_error("counting validations", counts.error()));
  return *counts;
}

acme::Result<std::vector<storage::AccountFailures>> Activity::top_failing_accounts(const Window& window,
                                                                                   common::TimePoint now,
                                                                                   std::size_t limit) const {
  auto accounts = store_.top_failing_accounts(since(window, now), limit);
  if (!accounts) return acme::fail(internal_error("counting failed validations", accounts.error()));
  return *accounts;
}

acme::Result<std::vector<PairNearPause>> Activity::pairs_closest_to_pausing(common::TimePoint now,
                                                                            std::size_t limit) const {
  auto pairs = store_.pairs_closest_to_pausing(now, limit);
  if (!pairs) return acme::fail(internal_error("reading pause buckets", pairs.error()));
  std::vector<PairNearPause> out;
  for (const auto& p : *pairs) {
    out.push_back({p.account_id, p.identifier, failures_left(pause_failures_, p.tat, now),
                   pause_failures_.burst, p.tat});
  }
  return out;
}

acme::Result<std::map<std::string, std::int64_t>> Activity::totals() const {
  auto totals = store_.read_event_totals();
  if (!totals) return acme::fail(internal_error("reading event totals", totals.error()));
  return *totals;
}

}  // namespace cobble::authority
