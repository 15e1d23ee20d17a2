#include "app/config.hpp"

#include <cctype>
#include <charconv>
#include <fstream>
#include <sstream>
#include <variant>

#include "app/profiles_config.hpp"

namespace cobble::app {
namespace {

using Member = std::variant<std::string Config::*, bool Config::*, int Config::*,
                            std::vector<std::string> Config::*, nlohmann::json Config::*>;

struct Option {
  const char* key;
  Member member;
  const char* help;
  // Checks a JSON object setting's shape; nullptr: any object.
  common::Result<void> (*check)(const nlohmann::json&) = nullptr;
};

common::Result<void> check_profiles(const nlohmann::json& value) {
  auto parsed = profiles_from_json(value);
  if (!parsed) return std::unexpected(parsed.error());
  return {};
}

const Option kOptions[] = {
    {"listenAddress", &Config::listen_address, "ACME over HTTPS, host:port"},
    {"plainListenAddress", &Config::plain_listen_address,
     "ACME over plain HTTP, for deployments behind a TLS-terminating proxy; empty = off"},
    {"managementListenAddress", &Config::management_listen_address, "management API (HTTPS); empty = off"},
    {"certificate", &Config::certificate, "PEM chain for the HTTPS listeners; empty = made in dataDir"},
    {"privateKey", &Config::private_key, "PEM key of `certificate`"},
    {"httpsNames", &Config::https_names, "extra DNS names/IPs for the made HTTPS certificate"},
    {"dataDir", &Config::data_dir, "where the database, CA keys and HTTPS certificate live"},
    {"database", &Config::database, "SQLite file; empty = <dataDir>/cobble.db; :memory: allowed"},
    {"logLevel", &Config::log_level, "trace, debug, info, warn, error or off"},
    {"fakeClock", &Config::fake_clock, "start a clock that only moves when told (tests)"},
    {"threads", &Config::threads, "I/O threads and handler threads, each; 0 = number of cores"},
    {"termsOfService", &Config::terms_of_service, "directory meta.termsOfService URL"},
    {"website", &Config::website, "directory meta.website URL"},
    {"caaIdentities", &Config::caa_identities, "directory meta.caaIdentities"},
    {"externalAccountRequired", &Config::external_account_required, "directory meta.externalAccountRequired"},
    {"maxBodyBytes", &Config::max_body_bytes, "largest request body accepted (413 beyond)"},
    {"maxHeaderBytes", &Config::max_header_bytes, "largest request header block accepted (431 beyond)"},
    {"readTimeoutSeconds", &Config::read_timeout_seconds, "time allowed to read one request"},
    {"idleTimeoutSeconds", &Config::idle_timeout_seconds, "keep-alive wait between requests"},
    {"nonceCapacity", &Config::nonce_capacity, "outstanding nonces kept before the oldest are forgotten"},
    {"alwaysValid", &Config::always_valid, "every challenge validates without contacting anything"},
    {"authzReusePercent", &Config::authz_reuse_percent,
     "share of new orders reusing valid authorizations; 0 = never"},
    {"ordersPerPage", &Config::orders_per_page, "orders per page of an account's orders list"},
    {"requireTermsOfService", &Config::require_terms_of_service, "newAccount needs termsOfServiceAgreed"},
    {"certificateValidityDays", &Config::certificate_validity_days, "validity of issued certificates"},
    {"orderLifetimeHours", &Config::order_lifetime_hours, "how long a new order stays usable"},
    {"profiles", &Config::profiles,
     "certificate profiles: {name: {description, validityPeriod (s), promoteCommonName, extendedKeyUsages}}",
     check_profiles},
    {"defaultProfile", &Config::default_profile,
     "profile of orders naming none; empty = \"default\" if configured, else the first by name"},
    {"ocspResponderURL", &Config::ocsp_responder_url,
     "OCSP URL put in issued certificates (AIA); cobble runs no OCSP responder"},
    {"crlBaseUrl", &Config::crl_base_url,
     "base URL of the CRL in issued certificates (<base>/crl/0); empty = the ACME listener"},
    {"crlRefreshSeconds", &Config::crl_refresh_seconds, "a CRL is re-signed when older than this"},
    {"httpPort", &Config::http_port, "port http-01 challenges are fetched from"},
    {"tlsPort", &Config::tls_port, "port tls-alpn-01 challenges are checked on"},
    {"dnsServer", &Config::dns_server,
     "DNS server host:port for validation lookups; empty = system resolver"},
    {"vaAllowLoopback", &Config::va_allow_loopback, "validation may connect to loopback addresses"},
    {"vaAllowPrivate", &Config::va_allow_private, "validation may connect to private-use addresses"},
    {"vaTimeoutSeconds", &Config::va_timeout_seconds, "time allowed for one validation"},
    {"vaPerspectives", &Config::va_perspectives, "concurrent attempts per challenge that must all pass"},
    {"vaSleepSeconds", &Config::va_sleep_seconds, "random delay up to N seconds before each validation"},
    {"vaMaxConcurrent", &Config::va_max_concurrent, "validations running at once; more wait in line"},
    {"pauseEnabled", &Config::pause_enabled,
     "pause (account, identifier) pairs that keep failing validation"},
    {"pauseBurst", &Config::pause_burst, "failed validations in a row before a pair is paused"},
    {"pauseRefillCount", &Config::pause_refill_count, "failures forgiven per refill period"},
    {"pauseRefillPeriodHours", &Config::pause_refill_period_hours, "the refill period"},
    {"pauseGraceDays", &Config::pause_grace_days,
     "days after an unpause during which a pair is not re-paused"},
    {"pausePortalUrl", &Config::pause_portal_url,
     "base URL of the unpause portal; empty = the ACME listener"},
    {"pauseBoulderProblem", &Config::pause_boulder_problem,
     "refuse paused orders with rateLimited (429) like Boulder"},
    {"pauseWebhookUrl", &Config::pause_webhook_url, "POST each pause notice here as JSON; empty = log only"},
    {"unpauseKeyFile", &Config::unpause_key_file,
     "hex HMAC key for unpause links; empty = <dataDir>/unpause.key"},
    {"keyAlgorithm", &Config::ca_key_algorithm, "CA keys: ecdsa (P-256) or rsa (2048)"},
    {"caPersist", &Config::ca_persist, "keep the CA in dataDir across restarts; false = fresh each start"},
};

// Pebble's environment variables, so CI scripts written for Pebble work unchanged.
const std::pair<const char*, const char*> kPebbleEnv[] = {
    {"PEBBLE_VA_ALWAYS_VALID", "alwaysValid"},
    {"PEBBLE_AUTHZREUSE", "authzReusePercent"},
    {"PEBBLE_WFE_ORDERS_PER_PAGE", "ordersPerPage"},
    {"PEBBLE_VA_SLEEPTIME", "vaSleepSeconds"},
};

std::string env_name(std::string_view key) {
  std::string out = "COBBLE_";
  char previous = 0;
  for (char c : key) {
    // An upper-case run is one word: ocspResponderURL → COBBLE_OCSP_RESPONDER_URL.
    if (std::isupper(static_cast<unsigned char>(c)) && !std::isupper(static_cast<unsigned char>(previous)))
      out += '_';
    previous = c;
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

const Option* find_option(std::string_view key) {
  for (const auto& o : kOptions)
    if (key == o.key) return &o;
  return nullptr;
}

std::string type_name(const Member& m) {
  return std::visit(
      [](auto ptr) -> std::string {
        using T = std::remove_reference_t<decltype(Config{}.*ptr)>;
        if constexpr (std::is_same_v<T, bool>) return "a boolean";
        if constexpr (std::is_same_v<T, int>) return "an integer";
        if constexpr (std::is_same_v<T, std::string>) return "a string";
        if constexpr (std::is_same_v<T, nlohmann::json>) return "a JSON object";
        return "a list of strings";
      },
      m);
}

common::Result<void> set_json(Config& config, const Option& option, const nlohmann::json& value) {
  bool ok = std::visit(
      [&](auto ptr) {
        using T = std::remove_reference_t<decltype(config.*ptr)>;
        if constexpr (std::is_same_v<T, bool>) {
          if (!value.is_boolean()) return false;
          config.*ptr = value.get<bool>();
        } else if constexpr (std::is_same_v<T, int>) {
          if (!value.is_number_integer()) return false;
          auto v = value.get<long long>();
          if (v < 0 || v > 1'000'000'000) return false;
          config.*ptr = static_cast<int>(v);
        } else if constexpr (std::is_same_v<T, std::string>) {
          if (!value.is_string()) return false;
          config.*ptr = value.get<std::string>();
        } else if constexpr (std::is_same_v<T, nlohmann::json>) {
          if (!value.is_object()) return false;
          config.*ptr = value;
        } else {
          if (!value.is_array()) return false;
          std::vector<std::string> list;
          for (const auto& item : value) {
            if (!item.is_string()) return false;
            list.push_back(item.get<std::string>());
          }
          config.*ptr = std::move(list);
        }
        return true;
      },
      option.member);
  if (!ok) {
    return common::fail(std::errc::invalid_argument, std::string("setting '") + option.key + "' must be " +
                                                         type_name(option.member) + ", got " + value.dump());
  }
  if (option.check) return option.check(value);
  return {};
}

}  // namespace

const std::vector<OptionInfo>& options() {
  static const std::vector<OptionInfo> list = [] {
    std::vector<OptionInfo> out;
    for (const auto& o : kOptions) out.push_back({o.key, env_name(o.key), o.help});
    return out;
  }();
  return list;
}

nlohmann::json defaults_json() {
  Config defaults;
  nlohmann::json out = nlohmann::json::object();
  for (const auto& o : kOptions) {
    std::visit([&](auto ptr) { out[o.key] = defaults.*ptr; }, o.member);
  }
  return out;
}

common::Result<void> apply_json(Config& config, const nlohmann::json& settings) {
  if (!settings.is_object())
    return common::fail(std::errc::invalid_argument, "configuration must be a JSON object");
  Config candidate = config;
  for (const auto& [key, value] : settings.items()) {
    const Option* option = find_option(key);
    if (!option) return common::fail(std::errc::invalid_argument, "unknown setting '" + key + "'");
    if (auto r = set_json(candidate, *option, value); !r) return r;
  }
  config = std::move(candidate);
  return {};
}

common::Result<void> apply_file(Config& config, const std::string& path) {
  std::ifstream in(path);
  if (!in) return common::fail(std::errc::no_such_file_or_directory, "cannot read config file " + path);
  std::stringstream text;
  text << in.rdbuf();
  auto json = nlohmann::json::parse(text.str(), nullptr, false);
  if (json.is_discarded())
    return common::fail(std::errc::invalid_argument, "config file " + path + " is not valid JSON");
  if (auto r = apply_json(config, json); !r) {
    return common::fail(r.error().code, "config file " + path + ": " + r.error().message);
  }
  return {};
}

common::Result<void> apply_text(Config& config, const std::string& key, const std::string& text) {
  const Option* option = find_option(key);
  if (!option) return common::fail(std::errc::invalid_argument, "unknown setting '" + key + "'");
  nlohmann::json value;
  bool parsed = std::visit(
      [&](auto ptr) {
        using T = std::remove_reference_t<decltype(config.*ptr)>;
        if constexpr (std::is_same_v<T, bool>) {
          if (text == "true" || text == "1")
            value = true;
          else if (text == "false" || text == "0")
            value = false;
          else
            return false;
        } else if constexpr (std::is_same_v<T, int>) {
          long long v = 0;
          auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
          if (ec != std::errc() || end != text.data() + text.size()) return false;
          value = v;
        } else if constexpr (std::is_same_v<T, std::string>) {
          value = text;
        } else if constexpr (std::is_same_v<T, nlohmann::json>) {
          value = nlohmann::json::parse(text, nullptr, false);
          if (value.is_discarded()) return false;
        } else {
          value = nlohmann::json::array();
          std::stringstream items(text);
          for (std::string item; std::getline(items, item, ',');)
            if (!item.empty()) value.push_back(item);
        }
        return true;
      },
      option->member);
  if (!parsed) {
    return common::fail(std::errc::invalid_argument, "setting '" + key + "' must be " +
                                                         type_name(option->member) + ", got '" + text + "'");
  }
  return set_json(config, *option, value);
}

common::Result<void> apply_env(Config& config, const std::map<std::string, std::string>& env) {
  Config candidate = config;
  for (const auto& o : kOptions) {
    auto it = env.find(env_name(o.key));
    if (it == env.end()) continue;
    if (auto r = apply_text(candidate, o.key, it->second); !r) {
      return common::fail(r.error().code, "environment variable " + it->first + ": " + r.error().message);
    }
  }
  for (const auto& [name, key] : kPebbleEnv) {
    auto it = env.find(name);
    if (it == env.end()) continue;
    if (auto r = apply_text(candidate, key, it->second); !r) {
      return common::fail(r.error().code, "environment variable " + it->first + ": " + r.error().message);
    }
  }
  // PEBBLE_VA_NOSLEEP=1 turns the random delay off, whatever else says.
  if (auto it = env.find("PEBBLE_VA_NOSLEEP");
      it != env.end() && (it->second == "1" || it->second == "true")) {
    candidate.va_sleep_seconds = 0;
  }
  config = std::move(candidate);
  return {};
}

common::Result<std::pair<std::string, std::uint16_t>> split_host_port(const std::string& address) {
  auto colon = address.rfind(':');
  if (colon == std::string::npos || colon + 1 == address.size()) {
    return common::fail(std::errc::invalid_argument, "'" + address + "' is not host:port");
  }
  std::string host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) host = "0.0.0.0";
  unsigned port = 0;
  auto port_text = std::string_view(address).substr(colon + 1);
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port > 65535) {
    return common::fail(std::errc::invalid_argument, "'" + address + "' has no valid port");
  }
  return std::pair{host, static_cast<std::uint16_t>(port)};
}

}  // namespace cobble::app
