#include "app/rate_limits_config.hpp"

#include <algorithm>
#include <string>

#include "authority/rate_limit_json.hpp"

namespace cobble::app {
namespace {

using common::fail;
using ratelimit::LimitTable;

common::Result<LimitTable> preset(const std::string& name) {
  if (name == "off") return LimitTable{};
  if (name == "letsencrypt") return LimitTable::lets_encrypt_production();
  if (name == "staging") return LimitTable::lets_encrypt_staging();
  return fail(std::errc::invalid_argument,
              "unknown preset \"" + name + "\" (use \"off\", \"letsencrypt\" or \"staging\")");
}

std::string known_limits() {
  std::string names;
  for (auto name : ratelimit::kAllLimits) names += (names.empty() ? "" : ", ") + std::string(to_string(name));
  return names;
}

// "overrides": [{"key": "NewOrdersPerAccount:42", "burst": N, "count": N, "periodSeconds": S}, ...]
common::Result<void> add_overrides(LimitTable& table, const nlohmann::json& overrides) {
  if (!overrides.is_array()) return fail(std::errc::invalid_argument, "\"overrides\" must be a list");
  for (const auto& entry : overrides) {
    if (!entry.is_object() || !entry.contains("key") || !entry["key"].is_string()) {
      return fail(std::errc::invalid_argument, "each override needs a \"key\" naming its bucket");
    }
    auto key = entry["key"].get<std::string>();
    if (auto ok = authority::check_bucket_key(key); !ok) return std::unexpected(ok.error());
    auto values = entry;
    values.erase("key");
    auto limit = authority::limit_from_json(values, "override " + key);
    if (!limit) return std::unexpected(limit.error());
    table.overrides[key] = *limit;
  }
  return {};
}

common::Result<ratelimit::RequestLimitTable> request_preset(const std::string& name) {
  if (name == "off") return ratelimit::RequestLimitTable{};
  if (name == "letsencrypt") return ratelimit::RequestLimitTable::lets_encrypt_production();
  if (name == "staging") return ratelimit::RequestLimitTable::lets_encrypt_staging();
  return fail(std::errc::invalid_argument,
              "unknown preset \"" + name + "\" (use \"off\", \"letsencrypt\" or \"staging\")");
}

constexpr std::string_view kEndpoints[] = {"directory",   "newNonce",   "newAccount",  "account", "keyChange",
                                           "newOrder",    "order",      "finalize",    "authz",   "challenge",
                                           "certificate", "revokeCert", "renewalInfo", "crl",     "other"};

common::Result<ratelimit::RequestRate> rate_from_json(const nlohmann::json& rate, const std::string& where) {
  if (!rate.is_object())
    return fail(std::errc::invalid_argument, where + " must be {\"perSecond\", \"burst\"} or null");
  for (const auto& [key, unused] : rate.items()) {
    if (key != "perSecond" && key != "burst") {
      return fail(std::errc::invalid_argument, where + " has unknown key \"" + key + "\" (perSecond, burst)");
    }
  }
  auto per_second = authority::positive_member(rate, where, "perSecond", 1'000'000);
  if (!per_second) return std::unexpected(per_second.error());
  auto burst = authority::positive_member(rate, where, "burst", 1'000'000);
  if (!burst) return std::unexpected(burst.error());
  return ratelimit::RequestRate{*per_second, *burst};
}

// Where both settings start: a preset named by the whole value, the object's "preset", or empty
// (off); what the object names is applied on top by the caller.
template <class Table>
common::Result<Table> starting_table(const nlohmann::json& value,
                                     common::Result<Table> (*by_name)(const std::string&), const char* what) {
  if (value.is_string()) return by_name(value.get<std::string>());
  if (!value.is_object()) {
    return fail(std::errc::invalid_argument,
                std::string("must be \"off\", \"letsencrypt\", \"staging\" or an object of ") + what);
  }
  auto base = value.find("preset");
  if (base == value.end()) return Table{};
  if (!base->is_string()) return fail(std::errc::invalid_argument, "\"preset\" must be a preset's name");
  return by_name(base->get<std::string>());
}

}  // namespace

common::Result<ratelimit::RequestLimitTable> request_limits_from_json(const nlohmann::json& value) {
  auto start = starting_table(value, request_preset, "endpoints");
  if (!start || value.is_string()) return start;
  auto table = std::move(*start);
  for (const auto& [key, rate] : value.items()) {
    if (key == "preset") continue;
    if (std::find(std::begin(kEndpoints), std::end(kEndpoints), key) == std::end(kEndpoints)) {
      std::string names;
      for (auto name : kEndpoints) names += (names.empty() ? "" : ", ") + std::string(name);
      return fail(std::errc::invalid_argument, "unknown endpoint \"" + key + "\" (" + names + ")");
    }
    if (rate.is_null()) {
      if (key == "other") table.other.reset();
      table.endpoints.erase(key);
      continue;
    }
    auto parsed = rate_from_json(rate, key);
    if (!parsed) return std::unexpected(parsed.error());
    if (key == "other") {
      table.other = *parsed;
    } else {
      table.endpoints[key] = *parsed;
    }
  }
  return table;
}

common::Result<LimitTable> rate_limits_from_json(const nlohmann::json& value) {
  auto start = starting_table(value, preset, "limits");
  if (!start || value.is_string()) return start;
  auto table = std::move(*start);
  for (const auto& [key, limit] : value.items()) {
    if (key == "preset") continue;
    if (key == "overrides") {
      if (auto added = add_overrides(table, limit); !added) return std::unexpected(added.error());
      continue;
    }
    auto name = ratelimit::limit_named(key);
    if (!name)
      return fail(std::errc::invalid_argument, "unknown limit \"" + key + "\" (" + known_limits() + ")");
    if (limit.is_null()) {
      table.limits.erase(*name);
      continue;
    }
    auto parsed = authority::limit_from_json(limit, key);
    if (!parsed) return std::unexpected(parsed.error());
    table.limits[*name] = *parsed;
  }
  return table;
}

}  // namespace cobble::app
