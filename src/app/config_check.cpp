#include "app/config_check.hpp"

#include <string_view>

#include "api/chaos.hpp"
#include "app/perspectives_config.hpp"
#include "app/profiles_config.hpp"
#include "authority/profiles.hpp"
#include "common/base64url.hpp"
#include "common/key_policy.hpp"
#include "common/log.hpp"

namespace cobble::app {
namespace {

common::Result<void> check_profiles(const Config& config) {
  auto profiles = profiles_from_json(config.profiles);
  if (!profiles) return std::unexpected(profiles.error());
  if (config.default_profile.empty()) return {};
  authority::Policy policy;
  policy.profiles = std::move(*profiles);
  for (const auto& p : authority::offered_profiles(policy))
    if (p.name == config.default_profile) return {};
  return common::fail(
      std::errc::invalid_argument,
      "setting 'defaultProfile' names \"" + config.default_profile + "\", which is not in 'profiles'");
}

}  // namespace

std::optional<authority::TermsRefusal> terms_refusal_named(std::string_view name) {
  if (name == "userActionRequired") return authority::TermsRefusal::user_action_required;
  if (name == "agreementRequired") return authority::TermsRefusal::agreement_required;
  if (name == "malformed") return authority::TermsRefusal::malformed;
  return std::nullopt;
}

common::Result<std::map<std::string, std::string>> decode_mac_keys(const Config& config) {
  std::map<std::string, std::string> keys;
  for (const auto& [kid, text] : config.external_account_mac_keys) {
    auto trimmed = std::string_view(text);
    while (trimmed.ends_with('=')) trimmed.remove_suffix(1);
    auto key = common::base64url_decode(trimmed);
    if (kid.empty() || !key || key->empty()) {
      return common::fail(std::errc::invalid_argument, "setting 'externalAccountMACKeys': the key of \"" +
                                                           kid + "\" must be non-empty base64url");
    }
    keys[kid] = std::move(*key);
  }
  return keys;
}

common::Result<void> check_config(const Config& config) {
  if (!common::log_format_named(config.log_format)) {
    return common::fail(
        std::errc::invalid_argument,
        "setting 'logFormat' must be \"text\" or \"json\", got \"" + config.log_format + "\"");
  }
  if (config.ca_key_algorithm != "ecdsa" && config.ca_key_algorithm != "rsa") {
    return common::fail(
        std::errc::invalid_argument,
        "setting 'keyAlgorithm' must be \"ecdsa\" or \"rsa\", got \"" + config.ca_key_algorithm + "\"");
  }
  if (config.intermediates_per_key_type > 10) {
    return common::fail(std::errc::invalid_argument,
                        "setting 'intermediatesPerKeyType' must be 0 to 10 (Let's Encrypt runs 3), got " +
                            std::to_string(config.intermediates_per_key_type));
  }
  if (config.intermediates_per_key_type > 0 && (config.alternate_roots != 0 || config.chain_length != 1)) {
    return common::fail(
        std::errc::invalid_argument,
        "setting 'intermediatesPerKeyType' (Let's Encrypt's RSA and ECDSA hierarchies) cannot be "
        "combined with 'alternateRoots' or 'chainLength' (Pebble's hierarchies)");
  }
  if (!common::key_policy_named(config.key_policy)) {
    return common::fail(std::errc::invalid_argument,
                        "setting 'keyPolicy' must be \"cobble\", \"pebble\" or \"letsencrypt\", got \"" +
                            config.key_policy + "\"");
  }
  if (!terms_refusal_named(config.terms_refusal)) {
    return common::fail(std::errc::invalid_argument,
                        "setting 'termsRefusal' must be \"userActionRequired\", \"agreementRequired\" or "
                        "\"malformed\", got \"" +
                            config.terms_refusal + "\"");
  }
  if (config.http01_redirect_ports != "standard" && config.http01_redirect_ports != "any") {
    return common::fail(std::errc::invalid_argument,
                        "setting 'http01RedirectPorts' must be \"standard\" or \"any\", got \"" +
                            config.http01_redirect_ports + "\"");
  }
  if (config.http_port < 1 || config.http_port > 65535 || config.tls_port < 1 || config.tls_port > 65535) {
    return common::fail(std::errc::invalid_argument,
                        "settings 'httpPort' and 'tlsPort' must be ports (1-65535)");
  }
  if (config.ari_retry_after_jitter_percent < 0 || config.ari_retry_after_jitter_percent > 100) {
    return common::fail(std::errc::invalid_argument,
                        "setting 'ariRetryAfterJitterPercent' must be 0-100, got " +
                            std::to_string(config.ari_retry_after_jitter_percent));
  }
  if (config.crl_shards < 0 || config.crl_shards > 1000) {
    return common::fail(std::errc::invalid_argument, "setting 'crlShards' must be 0 (one CRL) to 1000, got " +
                                                         std::to_string(config.crl_shards));
  }
  if (config.crl_lifetime_hours < 1 || config.crl_lifetime_hours > 24 * 366) {
    return common::fail(std::errc::invalid_argument,
                        "setting 'crlLifetimeHours' must be 1 hour to a year, got " +
                            std::to_string(config.crl_lifetime_hours));
  }
  if (config.nonce_reject_percent > 100) {
    return common::fail(std::errc::invalid_argument, "setting 'nonceRejectPercent' must be 0-100, got " +
                                                         std::to_string(config.nonce_reject_percent));
  }
  if (auto keys = decode_mac_keys(config); !keys) return std::unexpected(keys.error());
  if (auto rule = corroboration_from(config); !rule) return std::unexpected(rule.error());
  if (auto chaos = api::parse_chaos(config.chaos); !chaos) {
    return common::fail(chaos.error().code, "setting 'chaos': " + chaos.error().message);
  }
  return check_profiles(config);
}

}  // namespace cobble::app
