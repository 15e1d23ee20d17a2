#include "authority/rate_limit_json.hpp"

#include "ratelimit/limits.hpp"

namespace cobble::authority {
namespace {

using common::fail;

constexpr std::int64_t kMaxPeriodSeconds = 10LL * 366 * 86400;

std::string known_limits() {
  std::string names;
  for (auto name : ratelimit::kAllLimits) names += (names.empty() ? "" : ", ") + std::string(to_string(name));
  return names;
}

}  // namespace

common::Result<std::int64_t> positive_member(const nlohmann::json& object, const std::string& where,
                                             const char* key, std::int64_t most) {
  auto it = object.find(key);
  if (it == object.end()) return fail(std::errc::invalid_argument, where + " needs \"" + key + "\"");
  if (!it->is_number_integer() || it->get<std::int64_t>() < 1 || it->get<std::int64_t>() > most) {
    return fail(std::errc::invalid_argument,
                where + "." + key + " must be a whole number from 1 to " + std::to_string(most));
  }
  return it->get<std::int64_t>();
}

common::Result<common::gcra::Limit> limit_from_json(const nlohmann::json& limit, const std::string& where) {
  if (!limit.is_object()) {
    return fail(std::errc::invalid_argument,
                where + " must be {\"burst\", \"count\", \"periodSeconds\"} or null");
  }
  for (const auto& [key, unused] : limit.items()) {
    if (key != "burst" && key != "count" && key != "periodSeconds") {
      return fail(std::errc::invalid_argument,
                  where + " has unknown key \"" + key + "\" (burst, count, periodSeconds)");
    }
  }
  auto burst = positive_member(limit, where, "burst", 1'000'000'000);
  if (!burst) return std::unexpected(burst.error());
  auto count = positive_member(limit, where, "count", 1'000'000'000);
  if (!count) return std::unexpected(count.error());
  auto period = positive_member(limit, where, "periodSeconds", kMaxPeriodSeconds);
  if (!period) return std::unexpected(period.error());
  common::gcra::Limit parsed{*burst, *count, std::chrono::seconds(*period)};
  if (!parsed.valid()) {
    return fail(std::errc::invalid_argument, where + ": the refill interval (period / count) is too short");
  }
  return parsed;
}

common::Result<void> check_bucket_key(const std::string& key) {
  auto colon = key.find(':');
  if (colon == std::string::npos || colon + 1 == key.size() ||
      !ratelimit::limit_named(key.substr(0, colon))) {
    return fail(std::errc::invalid_argument,
                "\"" + key + "\" is not a bucket key: \"<limit>:<what it counts>\", e.g. " +
                    "\"NewOrdersPerAccount:42\"; limits: " + known_limits());
  }
  return {};
}

common::Result<LimitOverride> override_from_json(const nlohmann::json& body) {
  if (!body.is_object() || !body.contains("key") || !body["key"].is_string()) {
    return common::fail(std::errc::invalid_argument,
                        "The body must be {\"key\": \"NewOrdersPerAccount:42\", \"burst\", \"count\", "
                        "\"periodSeconds\"} or {\"key\": ..., \"remove\": true}");
  }
  LimitOverride out{body["key"].get<std::string>(), std::nullopt};
  auto remove = body.find("remove");
  if (remove != body.end() && !remove->is_boolean())
    return common::fail(std::errc::invalid_argument, "\"remove\" must be true or false");
  if (remove == body.end() || !remove->get<bool>()) {
    auto values = body;
    values.erase("key");
    values.erase("remove");
    auto parsed = limit_from_json(values, "override " + out.key);
    if (!parsed) return std::unexpected(parsed.error());
    out.limit = *parsed;
  }
  return out;
}

}  // namespace cobble::authority
