// Management endpoints for rate limits (issue #15).
#include "api/management/rate_limits.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

#include "api/json_reply.hpp"
#include "api/management/validations.hpp"
#include "authority/rate_limit_json.hpp"
#include "common/clock.hpp"

namespace cobble::api {
namespace {

using acme::Problem;

constexpr std::size_t kDefaultListed = 100;
constexpr std::size_t kMostListed = 10'000;

acme::Result<void> need_limits(const ManagementServices& s) {
  if (!s.rate_limits)
    return acme::fail(Problem::server_internal("Rate limits are not available on this server"));
  return {};
}

}  // namespace

acme::Result<Reply> rate_limit_buckets(Context& ctx, ManagementServices& s) {
  if (auto ok = need_limits(s); !ok) return acme::fail(ok.error());
  auto limit = limit_param(ctx.request.query, kDefaultListed, kMostListed);
  if (!limit) return acme::fail(limit.error());
  auto prefix = query_param(ctx.request.query, "prefix").value_or("");
  auto buckets = s.rate_limits->list(prefix, *limit);
  if (!buckets) return acme::fail(buckets.error());
  nlohmann::json list = nlohmann::json::array();
  for (const auto& b : *buckets) {
    list.push_back({{"key", b.key},
                    {"limit", b.limit},
                    {"tokens", std::floor(b.tokens * 1000) / 1000},
                    {"burst", b.burst},
                    {"fullAt", common::to_rfc3339(b.full_at)}});
  }
  nlohmann::json overrides = nlohmann::json::object();
  for (const auto& [key, limit] : s.rate_limits->overrides()) {
    overrides[key] = {
        {"burst", limit.burst},
        {"count", limit.count},
        {"periodSeconds", std::chrono::duration_cast<std::chrono::seconds>(limit.period).count()}};
  }
  return json_reply({{"enabled", s.rate_limits->enabled()},
                     {"buckets", std::move(list)},
                     {"overrides", std::move(overrides)}});
}

acme::Result<Reply> reset_rate_limits(Context& ctx, ManagementServices& s) {
  if (auto ok = need_limits(s); !ok) return acme::fail(ok.error());
  auto body = nlohmann::json::parse(ctx.request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object() || !body.contains("prefix") || !body["prefix"].is_string()) {
    return acme::fail(
        Problem::malformed("The body must be {\"prefix\": \"<bucket key prefix>\"}, e.g. "
                           "\"NewOrdersPerAccount:1\" or \"\" for all"));
  }
  auto reset = s.rate_limits->reset(body["prefix"].get<std::string>());
  if (!reset) return acme::fail(reset.error());
  return json_reply({{"reset", *reset}});
}

acme::Result<Reply> override_rate_limit(Context& ctx, ManagementServices& s) {
  if (auto ok = need_limits(s); !ok) return acme::fail(ok.error());
  auto body = nlohmann::json::parse(ctx.request.body, nullptr, false);
  auto parsed = authority::override_from_json(body);
  if (!parsed) return acme::fail(Problem::malformed(parsed.error().message));
  if (auto set = s.rate_limits->set_override(parsed->key, parsed->limit); !set)
    return acme::fail(set.error());
  if (s.share_setting) s.share_setting("rateLimitOverride:" + parsed->key, body.dump());
  return json_reply({{"key", parsed->key}, {"override", parsed->limit.has_value()}});
}

}  // namespace cobble::api
