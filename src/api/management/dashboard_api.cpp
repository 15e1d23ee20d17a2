// The operator dashboard's JSON (dashboard.hpp): the figures of authority::Activity laid out as the
// page draws them.
#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "acme/json_text.hpp"
#include "api/management/dashboard.hpp"
#include "api/management/validations.hpp"

namespace cobble::api {
namespace {

using acme::Problem;
using authority::Window;
using common::TimePoint;

constexpr std::size_t kDefaultRows = 10;
constexpr std::size_t kMaxRows = 100;
constexpr const char* kTimes = "seconds since the Unix epoch (UTC)";

std::int64_t epoch_seconds(TimePoint t) {
  return std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count();
}

// Compact: a 24 h window is 1,441 values per series.
Reply compact_json(const nlohmann::json& body) {
  Reply reply;
  reply.content_type = "application/json";
  reply.body = acme::json_text(body);
  reply.with_header("X-Content-Type-Options", "nosniff");
  return reply;
}

acme::Result<const authority::Activity*> activity_of(const ManagementServices& s) {
  if (!s.activity) return acme::fail(Problem::not_found("This server keeps no dashboard figures"));
  return s.activity;
}

acme::Result<Window> window_param(std::string_view query) {
  auto text = query_param(query, "window");
  if (!text) return authority::kLastDay;
  auto window = authority::window_named(*text);
  if (!window) return acme::fail(Problem::malformed("window must be 24h (per minute) or 30d (per hour)"));
  return *window;
}

// The buckets a window shows: from the one holding its first instant to the one holding now.
struct Grid {
  TimePoint start;
  std::chrono::seconds step;
  std::size_t buckets = 0;

  Grid(const Window& window, TimePoint now)
      : start(storage::bucket_start(authority::Activity::since(window, now), window.resolution)),
        step(storage::bucket_seconds(window.resolution)),
        buckets(static_cast<std::size_t>((storage::bucket_start(now, window.resolution) - start) / step) +
                1) {}

  std::optional<std::size_t> index(TimePoint bucket_start) const {
    if (bucket_start < start) return std::nullopt;
    auto i = static_cast<std::size_t>((bucket_start - start) / step);
    return i < buckets ? std::optional(i) : std::nullopt;
  }
};

// One plotted series: what it counts, and whether a bucket without a row is zero (a count) or
// unknown (a gauge that was not sampled: no instance was running).
struct SeriesSpec {
  std::string name;
  std::string what;  // "pairs paused": the unit is "<what> per minute"
  bool gauge = false;
};

std::vector<SeriesSpec> plotted_series() {
  namespace series = authority::series;
  std::vector<SeriesSpec> specs = {
      {"validations_valid", "successful validations"},
      {"validations_invalid", "failed validations"},
      {std::string(series::kPaused), "pairs paused"},
      {std::string(series::kRepaused), "pairs paused again after an unpause"},
      {std::string(series::kSkippedForGrace), "pauses skipped (unpaused within the grace period)"},
      {std::string(series::kUnpaused), "pairs unpaused"},
      {std::string(series::kRefusedOrders), "new orders refused for a paused pair"},
      {std::string(series::kRateLimitDenied), "rate-limit denials (all limits)"},
  };
  for (auto limit : ratelimit::kAllLimits)
    specs.push_back(
        {series::rate_limit_denied(limit), std::string(ratelimit::to_string(limit)) + " denials"});
  specs.push_back({std::string(series::kPausedPairs), "pairs paused", true});
  return specs;
}

nlohmann::json series_json(const SeriesSpec& spec, const Window& window, const Grid& grid,
                           const std::vector<storage::SeriesPoint>& points) {
  const char* per = window.resolution == storage::SeriesResolution::minute ? " per minute" : " per hour";
  nlohmann::json values = nlohmann::json::array();
  for (std::size_t i = 0; i < grid.buckets; ++i)
    values.push_back(spec.gauge ? nlohmann::json() : nlohmann::json(0));
  std::int64_t sum = 0;
  std::optional<std::int64_t> latest;
  for (const auto& p : points) {
    auto i = grid.index(p.bucket_start);
    if (!i) continue;
    values[*i] = p.value;
    sum += p.value;
    latest = p.value;
  }
  nlohmann::json out = {{"kind", spec.gauge ? "gauge" : "count"},
                        {"unit", spec.gauge ? spec.what + " (the bucket's last sample)" : spec.what + per},
                        {"values", std::move(values)}};
  if (spec.gauge) {
    out["latest"] = latest ? nlohmann::json(*latest) : nlohmann::json();
  } else {
    out["sum"] = sum;
  }
  return out;
}

// The validations series come from the attempts themselves (read once into `validations` for
// both), the rest from what the recorder wrote.
acme::Result<std::vector<storage::SeriesPoint>> points_of(
    const SeriesSpec& spec, const authority::Activity& activity, const Window& window, TimePoint now,
    std::optional<std::vector<storage::ValidationCounts>>& validations) {
  if (!spec.name.starts_with("validations_")) return activity.series(spec.name, window, now);
  if (!validations) {
    auto counts = activity.validations(window, now);
    if (!counts) return acme::fail(counts.error());
    validations = std::move(*counts);
  }
  bool valid = spec.name == "validations_valid";
  std::vector<storage::SeriesPoint> points;
  for (const auto& c : *validations)
    points.push_back({c.bucket_start, static_cast<std::int64_t>(valid ? c.valid : c.invalid)});
  return points;
}

std::string identifier_text(const storage::IdentifierRecord& id) { return id.type + ":" + id.value; }

}  // namespace

acme::Result<Reply> dashboard_series(Context& ctx, ManagementServices& s) {
  auto activity = activity_of(s);
  if (!activity) return acme::fail(activity.error());
  auto window = window_param(ctx.request.query);
  if (!window) return acme::fail(window.error());
  auto specs = plotted_series();
  if (auto only = query_param(ctx.request.query, "name")) {
    std::erase_if(specs, [&](const SeriesSpec& spec) { return spec.name != *only; });
    if (specs.empty()) return acme::fail(Problem::malformed("There is no series named \"" + *only + "\""));
  }
  const auto now = (*activity)->now();
  const Grid grid(*window, now);
  nlohmann::json series = nlohmann::json::object();
  std::optional<std::vector<storage::ValidationCounts>> validations;
  for (const auto& spec : specs) {
    auto points = points_of(spec, **activity, *window, now, validations);
    if (!points) return acme::fail(points.error());
    series[spec.name] = series_json(spec, *window, grid, *points);
  }
  auto totals = (*activity)->totals();
  if (!totals) return acme::fail(totals.error());
  return compact_json(
      {{"window", window->name},
       {"resolution", window->resolution == storage::SeriesResolution::minute ? "minute" : "hour"},
       {"bucketSeconds", grid.step.count()},
       {"start", epoch_seconds(grid.start)},
       {"buckets", grid.buckets},
       {"now", epoch_seconds(now)},
       {"times", kTimes},
       {"series", std::move(series)},
       {"totals", *totals}});
}

acme::Result<Reply> dashboard_pairs(Context& ctx, ManagementServices& s) {
  auto activity = activity_of(s);
  if (!activity) return acme::fail(activity.error());
  auto limit = limit_param(ctx.request.query, kDefaultRows, kMaxRows);
  if (!limit) return acme::fail(limit.error());
  const auto now = (*activity)->now();
  auto pairs = (*activity)->pairs_closest_to_pausing(now, *limit);
  if (!pairs) return acme::fail(pairs.error());
  nlohmann::json list = nlohmann::json::array();
  for (const auto& p : *pairs) {
    list.push_back({{"account", p.account_id},
                    {"identifier", identifier_text(p.identifier)},
                    {"failuresLeft", p.failures_left},
                    {"burst", p.burst},
                    {"fullAt", epoch_seconds(p.full_at)}});
  }
  return compact_json({{"now", epoch_seconds(now)}, {"times", kTimes}, {"pairs", std::move(list)}});
}

acme::Result<Reply> dashboard_accounts(Context& ctx, ManagementServices& s) {
  auto activity = activity_of(s);
  if (!activity) return acme::fail(activity.error());
  auto window = window_param(ctx.request.query);
  if (!window) return acme::fail(window.error());
  auto limit = limit_param(ctx.request.query, kDefaultRows, kMaxRows);
  if (!limit) return acme::fail(limit.error());
  const auto now = (*activity)->now();
  auto accounts = (*activity)->top_failing_accounts(*window, now, *limit);
  if (!accounts) return acme::fail(accounts.error());
  nlohmann::json list = nlohmann::json::array();
  for (const auto& a : *accounts) {
    list.push_back({{"account", a.account_id},
                    {"failedValidations", a.failures},
                    {"lastFailure", epoch_seconds(a.last_failure)}});
  }
  return compact_json({{"window", window->name},
                       {"since", epoch_seconds(authority::Activity::since(*window, now))},
                       {"now", epoch_seconds(now)},
                       {"times", kTimes},
                       {"accounts", std::move(list)}});
}

}  // namespace cobble::api
