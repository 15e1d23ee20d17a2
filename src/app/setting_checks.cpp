#include "app/setting_checks.hpp"

#include "api/chaos.hpp"
#include "app/profiles_config.hpp"
#include "app/rate_limits_config.hpp"
#include "http/forwarded.hpp"

namespace cobble::app {

common::Result<void> check_profiles(const nlohmann::json& value) {
  auto parsed = profiles_from_json(value);
  if (!parsed) return std::unexpected(parsed.error());
  return {};
}

common::Result<void> check_rate_limits(const nlohmann::json& value) {
  auto parsed = rate_limits_from_json(value);
  if (!parsed) return std::unexpected(parsed.error());
  return {};
}

common::Result<void> check_request_limits(const nlohmann::json& value) {
  auto parsed = request_limits_from_json(value);
  if (!parsed) return std::unexpected(parsed.error());
  return {};
}

common::Result<void> check_chaos(const nlohmann::json& value) {
  auto parsed = api::parse_chaos(value);
  if (!parsed) return std::unexpected(parsed.error());
  return {};
}

common::Result<void> check_revocation_reasons(const nlohmann::json& value) {
  if (!value.is_array()) return common::fail(std::errc::invalid_argument, "must be an array of reason codes");
  for (const auto& reason : value) {
    if (!reason.is_number_integer() || reason.get<int>() < 0 || reason.get<int>() > 10 ||
        reason.get<int>() == 7)
      return common::fail(std::errc::invalid_argument,
                          "holds " + reason.dump() + ": reason codes are 0-6 and 8-10 (RFC 5280 §5.3.1)");
  }
  return {};
}

common::Result<void> check_policy_oids(const nlohmann::json& value) {
  for (const auto& oid : value) {
    auto text = oid.get<std::string>();
    bool digits_and_dots = !text.empty() && text.find_first_not_of("0123456789.") == std::string::npos;
    bool well_formed = digits_and_dots && text.size() >= 3 && text[0] >= '0' && text[0] <= '2' &&
                       text[1] == '.' && !text.ends_with('.') && text.find("..") == std::string::npos;
    if (!well_formed) {
      return common::fail(std::errc::invalid_argument,
                          "holds \"" + text + "\": a policy is a dotted OID such as 2.23.140.1.2.1");
    }
  }
  return {};
}

common::Result<void> check_external_url(const nlohmann::json& value) {
  if (!value.is_string()) return common::fail(std::errc::invalid_argument, "must be a string");
  auto url = value.get<std::string>();
  while (url.ends_with('/')) url.pop_back();
  if (url.empty()) return {};
  auto scheme_end = url.find("://");
  auto scheme = url.substr(0, scheme_end);
  auto authority = scheme_end == std::string::npos ? std::string() : url.substr(scheme_end + 3);
  auto path_at = authority.find_first_of("/?#");
  if ((scheme == "https" || scheme == "http") && path_at != std::string::npos &&
      http::valid_authority(std::string_view(authority).substr(0, path_at))) {
    return common::fail(std::errc::invalid_argument,
                        "has a path (\"" + authority.substr(path_at) +
                            "\"): Cobble's links and routes start at the root of a host, so give it a host "
                            "name (or port) of its own, e.g. \"" +
                            scheme + "://" + authority.substr(0, path_at) + "\"");
  }
  if ((scheme != "https" && scheme != "http") || !http::valid_authority(authority)) {
    return common::fail(std::errc::invalid_argument,
                        "must look like https://host[:port] (no path), got \"" + url + "\"");
  }
  return {};
}

common::Result<void> check_trusted_proxies(const nlohmann::json& value) {
  auto parsed = http::TrustedProxies::parse(value.get<std::vector<std::string>>());
  if (!parsed) return std::unexpected(parsed.error());
  return {};
}

}  // namespace cobble::app
