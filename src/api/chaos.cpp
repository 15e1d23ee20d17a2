#include "api/chaos.hpp"

#include <algorithm>

#include "api/urls.hpp"

namespace cobble::api {
namespace {

constexpr int kMaxDelayMs = 60'000;
constexpr int kMaxRetryAfterSeconds = 86'400;

common::Result<void> invalid(std::string message) {
  return common::fail(std::errc::invalid_argument, std::move(message));
}

common::Result<void> read_rate(const nlohmann::json& value, const std::string& where, double& field) {
  if (!value.is_number() || value.get<double>() < 0 || value.get<double>() > 1) {
    return invalid(where + " must be a number from 0 to 1, got " + value.dump());
  }
  field = value.get<double>();
  return {};
}

common::Result<void> read_whole(const nlohmann::json& value, const std::string& where, int max, int& field) {
  if (!value.is_number_integer() || value.get<long long>() < 0 || value.get<long long>() > max) {
    return invalid(where + " must be an integer from 0 to " + std::to_string(max) + ", got " + value.dump());
  }
  field = static_cast<int>(value.get<long long>());
  return {};
}

common::Result<ChaosRule> parse_rule(const std::string& endpoint, const nlohmann::json& json) {
  std::string at = "chaos." + endpoint;
  if (!json.is_object()) return std::unexpected(invalid(at + " must be an object").error());
  ChaosRule rule;
  for (const auto& [key, value] : json.items()) {
    std::string where = at + "." + key;
    common::Result<void> ok;
    if (key == "rateLimited") {
      ok = read_rate(value, where, rule.rate_limited);
    } else if (key == "unavailable") {
      ok = read_rate(value, where, rule.unavailable);
    } else if (key == "badNonce") {
      ok = read_rate(value, where, rule.bad_nonce);
    } else if (key == "delayRate") {
      ok = read_rate(value, where, rule.delay_rate);
    } else if (key == "delayMs") {
      ok = read_whole(value, where, kMaxDelayMs, rule.delay_ms);
    } else if (key == "retryAfterSeconds") {
      ok = read_whole(value, where, kMaxRetryAfterSeconds, rule.retry_after_seconds);
    } else {
      ok = invalid("unknown field " + where +
                   " (known: rateLimited, unavailable, badNonce, delayMs, delayRate, retryAfterSeconds)");
    }
    if (!ok) return std::unexpected(ok.error());
  }
  if (rule.rate_limited + rule.unavailable + rule.bad_nonce > 1.0 + 1e-9) {
    return std::unexpected(
        invalid(at + ": rateLimited + unavailable + badNonce add up to more than 1").error());
  }
  if (rule.bad_nonce > 0 && (endpoint == "directory" || endpoint == "newNonce")) {
    return std::unexpected(invalid(at + ".badNonce: " + endpoint + " takes no nonce").error());
  }
  return rule;
}

std::string known_endpoints() {
  std::string out;
  for (auto name : kChaosEndpoints) out += (out.empty() ? "" : ", ") + std::string(name);
  return out;
}

acme::Problem fault_problem(acme::ProblemType type, int status, const ChaosRule& rule, std::string detail) {
  auto problem = acme::Problem::make(type, std::move(detail)).with_status(status);
  if (status != 400) problem.with_header("Retry-After", std::to_string(rule.retry_after_seconds));
  return problem;
}

}  // namespace

double SeededRandom::next() {
  std::lock_guard lock(mu_);
  return std::uniform_real_distribution<double>(0.0, 1.0)(engine_);
}

common::Result<ChaosSettings> parse_chaos(const nlohmann::json& json) {
  if (!json.is_object()) {
    return common::fail(std::errc::invalid_argument,
                        "chaos must be an object of endpoint name → rule, got " + json.dump());
  }
  ChaosSettings settings;
  for (const auto& [endpoint, rule_json] : json.items()) {
    if (std::find(std::begin(kChaosEndpoints), std::end(kChaosEndpoints), endpoint) ==
        std::end(kChaosEndpoints)) {
      return common::fail(std::errc::invalid_argument,
                          "unknown chaos endpoint '" + endpoint + "' (known: " + known_endpoints() + ")");
    }
    auto rule = parse_rule(endpoint, rule_json);
    if (!rule) return std::unexpected(rule.error());
    settings.emplace(endpoint, *rule);
  }
  return settings;
}

nlohmann::json to_json(const ChaosSettings& settings) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [endpoint, r] : settings) {
    out[endpoint] = {{"rateLimited", r.rate_limited}, {"unavailable", r.unavailable},
                     {"badNonce", r.bad_nonce},       {"delayMs", r.delay_ms},
                     {"delayRate", r.delay_rate},     {"retryAfterSeconds", r.retry_after_seconds}};
  }
  return out;
}

std::optional<std::string_view> chaos_endpoint(const Request& request) {
  const std::string& path = request.path;
  if (path == paths::kDirectory || path == paths::kDirectoryAlias) return "directory";
  if (path == paths::kNewNonce) return "newNonce";
  if (path == paths::kNewAccount) return "newAccount";
  if (path == paths::kNewOrder) return "newOrder";
  if (path == paths::kRevokeCert) return "revokeCert";
  if (path == paths::kKeyChange) return "keyChange";
  auto under = [&](std::string_view prefix) {
    return path.size() > prefix.size() && path.starts_with(prefix);
  };
  if (under(paths::kAccount)) return "account";
  if (under(paths::kOrder)) return path.ends_with("/finalize") ? "finalize" : "order";
  if (under(paths::kAuthz)) return "authz";
  if (under(paths::kChallenge)) return "challenge";
  if (under(paths::kCertificate)) return "certificate";
  if (under(paths::kRenewalInfoPrefix)) return "renewalInfo";
  if (under(paths::kCrl)) return "crl";
  return std::nullopt;
}

void Chaos::set(ChaosSettings settings) {
  std::lock_guard lock(mu_);
  settings_ = std::move(settings);
}

ChaosSettings Chaos::settings() const {
  std::lock_guard lock(mu_);
  return settings_;
}

void Chaos::set_nonce_reject_percent(int percent) {
  std::lock_guard lock(mu_);
  nonce_reject_percent_ = std::clamp(percent, 0, 100);
}

int Chaos::nonce_reject_percent() const {
  std::lock_guard lock(mu_);
  return nonce_reject_percent_;
}

ChaosDecision Chaos::decide(std::string_view endpoint, bool post) {
  std::lock_guard lock(mu_);
  ChaosDecision decision;
  auto found = settings_.find(endpoint);
  if (found == settings_.end()) found = settings_.find("*");
  if (found == settings_.end()) return decision;
  const ChaosRule& rule = found->second;
  std::string name(endpoint);
  double bad_nonce = post ? rule.bad_nonce : 0.0;
  if (rule.rate_limited + rule.unavailable + bad_nonce > 0) {
    double roll = random_->next();
    if (roll < rule.rate_limited) {
      decision.fault =
          fault_problem(acme::ProblemType::rate_limited, 429, rule,
                        "Too many requests to " + name + " (injected by the server's chaos settings)");
    } else if (roll < rule.rate_limited + rule.unavailable) {
      decision.fault = fault_problem(acme::ProblemType::server_internal, 503, rule,
                                     "The service is unavailable for " + name +
                                         ", retry later (injected by the server's chaos settings)");
    } else if (roll < rule.rate_limited + rule.unavailable + bad_nonce) {
      decision.fault = fault_problem(acme::ProblemType::bad_nonce, 400, rule,
                                     "JWS has an invalid anti-replay nonce (refused by the server's chaos "
                                     "settings; retry with the nonce in this response)");
    }
  }
  if (rule.delay_ms > 0 && rule.delay_rate > 0 && random_->next() < rule.delay_rate) {
    decision.delay = std::chrono::milliseconds(rule.delay_ms);
  }
  return decision;
}

bool Chaos::reject_nonce() {
  std::lock_guard lock(mu_);
  if (nonce_reject_percent_ <= 0) return false;
  return random_->next() * 100.0 < nonce_reject_percent_;
}

}  // namespace cobble::api
