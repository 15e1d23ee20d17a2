#include "app/pebble_config.hpp"

#include <optional>

#include "common/text.hpp"

namespace cobble::app {
namespace {

// Pebble keys whose Cobble setting has the same name.
constexpr const char* kSameName[] = {
    "listenAddress",    "managementListenAddress",
    "certificate",      "privateKey",
    "httpPort",         "tlsPort",
    "ocspResponderURL", "externalAccountBindingRequired",
    "caaIdentities",    "externalAccountMACKeys",
    "domainBlocklist",  "keyAlgorithm",
    "profiles",
};

// Pebble keys Cobble knows and deliberately does not honour, with the reason given in the warning.
constexpr std::pair<const char*, const char*> kIgnored[] = {
    {"certificateValidityPeriod",
     "Pebble itself has ignored it since v2.7.0; set validity per profile (profiles.*.validityPeriod)"},
};

std::optional<std::string> canonical(std::string_view key, const auto& names) {
  for (const auto& name : names) {
    if (common::iequals(name, key)) return std::string(name);
  }
  return std::nullopt;
}

bool has_setting(const std::string& key) {
  for (const auto& option : options())
    if (option.key == key) return true;
  return false;
}

}  // namespace

bool is_pebble_config(const nlohmann::json& file_json) {
  return file_json.is_object() && file_json.contains("pebble");
}

PebbleTranslation translate_pebble_config(const nlohmann::json& pebble) {
  PebbleTranslation out;
  if (!pebble.is_object()) {
    out.warnings.push_back("the \"pebble\" member is not an object; no Pebble settings applied");
    return out;
  }
  for (const auto& [key, value] : pebble.items()) {
    if (auto name = canonical(key, kSameName)) {
      if (!has_setting(*name)) {
        out.warnings.push_back("pebble." + key + " is not supported by this build of Cobble; ignored");
        continue;
      }
      // Pebble: an empty or null management address means no management listener.
      if (*name == "managementListenAddress" && value.is_null()) {
        out.settings[*name] = "";
      } else {
        out.settings[*name] = value;
      }
      continue;
    }
    if (common::iequals(key, "retryafter")) {
      if (!value.is_object()) {
        out.warnings.push_back("pebble.retryAfter must be an object {\"authz\": s, \"order\": s}; ignored");
        continue;
      }
      for (const auto& [part, seconds] : value.items()) {
        if (common::iequals(part, "authz")) {
          out.settings["retryAfterAuthzSeconds"] = seconds;
        } else if (common::iequals(part, "order")) {
          out.settings["retryAfterOrderSeconds"] = seconds;
        } else {
          out.warnings.push_back("pebble.retryAfter." + part + " is not a Pebble setting; ignored");
        }
      }
      continue;
    }
    bool known = false;
    for (const auto& [ignored, why] : kIgnored) {
      if (common::iequals(key, ignored)) {
        out.warnings.push_back("pebble." + key + " is not honoured: " + why);
        known = true;
      }
    }
    if (!known) out.warnings.push_back("pebble." + key + " is not a Pebble setting Cobble knows; ignored");
  }
  return out;
}

void apply_pebble_defaults(Config& config) {
  config.database = ":memory:";
  config.ca_persist = false;
  config.orders_per_page = 3;
  config.nonce_reject_percent = 5;
  config.authz_reuse_percent = 50;
  config.http_port = 5002;
  config.tls_port = 5001;
  config.va_perspectives = 3;
  config.va_sleep_seconds = 5;
  config.terms_of_service = "data:text/plain,Do%20what%20thou%20wilt";
  config.require_terms_of_service = true;
  config.terms_refusal = "agreementRequired";
  config.finalize_answers_processing = true;  // Pebble issues in the background after finalize
  config.key_policy = "pebble";
  config.http01_redirect_ports = "any";
  config.serve_revoked_certificates = false;
  config.caa_identities = {"pebble.letsencrypt.org"};
  config.dns_account01_enabled = true;  // Pebble offers both drafts on every DNS authorization
  config.dns_persist01_enabled = true;
  config.pebble_compat = true;
}

}  // namespace cobble::app
