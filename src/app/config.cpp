#include "app/config.hpp"

#include <spdlog/spdlog.h>

#include <cctype>
#include <charconv>
#include <fstream>
#include <sstream>
#include <variant>

#include "app/pebble_config.hpp"
#include "app/perspectives_config.hpp"
#include "app/setting_checks.hpp"
#include "common/text.hpp"

namespace cobble::app {
namespace {

using StringMap = std::map<std::string, std::string>;
using Member =
    std::variant<std::string Config::*, bool Config::*, int Config::*, std::vector<std::string> Config::*,
                 StringMap Config::*, nlohmann::json Config::*>;

// Checks a setting's content (its type is checked before).
using ObjectCheck = common::Result<void> (*)(const nlohmann::json&);

struct Option {
  const char* key;
  Member member;
  const char* help;
  ObjectCheck check = nullptr;
};

const Option kOptions[] = {
    {"listenAddress", &Config::listen_address, "ACME over HTTPS, host:port"},
    {"plainListenAddress", &Config::plain_listen_address,
     "ACME over plain HTTP, for deployments behind a TLS-terminating proxy; empty = off"},
    {"managementListenAddress", &Config::management_listen_address, "management API (HTTPS); empty = off"},
    {"certificate", &Config::certificate, "PEM chain for the HTTPS listeners; empty = made in dataDir"},
    {"privateKey", &Config::private_key, "PEM key of `certificate`"},
    {"httpsNames", &Config::https_names, "extra DNS names/IPs for the made HTTPS certificate"},
    {"dataDir", &Config::data_dir, "where the database, CA keys and HTTPS certificate live"},
    {"database", &Config::database,
     "SQLite file (empty = <dataDir>/cobble.db; :memory: allowed) or postgresql://user:password@host:port/db "
     "for several instances on one PostgreSQL"},
    {"syncEveryCommit", &Config::sync_every_commit,
     "fsync the database at every commit: survives power loss, not just crashes; slower"},
    {"checkDatabaseAtStart", &Config::check_database_at_start,
     "read every page of the database at start-up (PRAGMA quick_check, ~2 s per GB); off: header and "
     "schema only"},
    {"logLevel", &Config::log_level, "trace, debug, info, warn, error or off"},
    {"logFormat", &Config::log_format,
     "text (spdlog's lines) or json (one object per line: time, level, event, message, request_id, "
     "account, identifier, duration_ms, ...)"},
    {"fakeClock", &Config::fake_clock, "start a clock that only moves when told (tests)"},
    {"threads", &Config::threads, "I/O threads and handler threads, each; 0 = number of cores"},
    {"termsOfService", &Config::terms_of_service, "directory meta.termsOfService URL"},
    {"website", &Config::website, "directory meta.website URL"},
    {"caaIdentities", &Config::caa_identities,
     "directory meta.caaIdentities; the CA's issuer domain names for CAA and dns-persist-01 (empty: "
     "cobble.test)"},
    {"externalAccountBindingRequired", &Config::external_account_required,
     "newAccount needs an external account binding (directory meta.externalAccountRequired)"},
    {"externalAccountMACKeys", &Config::external_account_mac_keys,
     "external account binding keys: {\"key id\": \"base64url MAC key\"} (text form: kid:key,...)"},
    {"maxBodyBytes", &Config::max_body_bytes, "largest request body accepted (413 beyond)"},
    {"maxHeaderBytes", &Config::max_header_bytes, "largest request header block accepted (431 beyond)"},
    {"readTimeoutSeconds", &Config::read_timeout_seconds, "time allowed to read one request"},
    {"idleTimeoutSeconds", &Config::idle_timeout_seconds, "keep-alive wait between requests"},
    {"nonceCapacity", &Config::nonce_capacity, "outstanding nonces kept before the oldest are forgotten"},
    {"maxConnections", &Config::max_connections,
     "connections open at once per listener (more are closed at once); 0 = from the open-file limit"},
    {"maxConnectionsPerAddress", &Config::max_connections_per_address,
     "connections open at once from one client address; 0 = a quarter of maxConnections"},
    {"externalUrl", &Config::external_url,
     "base URL of every link Cobble hands out (https://acme.example.com[:port], no path), whatever the "
     "request says; empty = from the trusted proxy's headers (trustedProxies), else the listener's "
     "scheme and the Host header",
     check_external_url},
    {"trustedProxies", &Config::trusted_proxies,
     "addresses and CIDR networks (IPv4, IPv6) of the proxies in front of the ACME listeners: their "
     "Forwarded / X-Forwarded-For, -Proto, -Host headers name the client (logs, requestLimits) and the "
     "links' base; [] = nobody's headers count",
     check_trusted_proxies},
    {"managementToken", &Config::management_token,
     "when set, the management API needs \"Authorization: Bearer <token>\" (all but /healthz and the "
     "public certificates)"},
    {"metrics", &Config::metrics,
     "count and time every request, validation and database transaction for /metrics (per endpoint, "
     "status, challenge type, outcome); off: /metrics keeps only the figures kept anyway"},
    {"alwaysValid", &Config::always_valid, "every challenge validates without contacting anything"},
    {"authzReusePercent", &Config::authz_reuse_percent,
     "share of new orders reusing valid authorizations; 0 = never"},
    {"ordersPerPage", &Config::orders_per_page, "orders per page of an account's orders list"},
    {"requireTermsOfService", &Config::require_terms_of_service, "newAccount needs termsOfServiceAgreed"},
    {"termsRefusal", &Config::terms_refusal,
     "problem for a newAccount without termsOfServiceAgreed: userActionRequired (403), agreementRequired "
     "(403, as Pebble) or malformed (400, as Let's Encrypt)"},
    {"finalizeAnswersProcessing", &Config::finalize_answers_processing,
     "finalize answers the order as processing (the certificate shows on the next poll), as Pebble and "
     "Let's Encrypt staging; false = valid with its certificate URL at once"},
    {"revocationReasons", &Config::revocation_reasons,
     "reason codes revokeCert accepts, e.g. [0, 1, 4, 5] as Let's Encrypt; [] = every RFC 5280 reason "
     "(0-6, 8-10)",
     check_revocation_reasons},
    {"directoryRandomEntry", &Config::directory_random_entry,
     "the directory carries one random key, new at every request, as Let's Encrypt does to catch "
     "clients that refuse unknown keys"},
    {"certificateValidityDays", &Config::certificate_validity_days, "validity of issued certificates"},
    {"orderLifetimeHours", &Config::order_lifetime_hours, "how long a new order stays usable"},
    {"profiles", &Config::profiles,
     "certificate profiles: {name: {description, validityPeriod (s), promoteCommonName, extendedKeyUsages}}",
     check_profiles},
    {"defaultProfile", &Config::default_profile,
     "profile of orders naming none; empty = \"default\" if configured, else the first by name"},
    {"ocspResponderURL", &Config::ocsp_responder_url,
     "OCSP URL put in issued certificates (AIA); cobble runs no OCSP responder"},
    {"rateLimits", &Config::rate_limits,
     "Let's Encrypt's rate limits: \"off\" (as Pebble), \"letsencrypt\" (production values), \"staging\", "
     "or {\"NewOrdersPerAccount\": {\"burst\": 300, \"count\": 300, \"periodSeconds\": 10800}, ...}",
     check_rate_limits},
    {"requestLimits", &Config::request_limits,
     "requests per second per client address and endpoint, as Let's Encrypt's load balancers (503 + "
     "Retry-After): \"off\", \"letsencrypt\", \"staging\", or {\"newOrder\": {\"perSecond\": 300, "
     "\"burst\": 200}, \"other\": {...}}",
     check_request_limits},
    {"certificatePolicies", &Config::certificate_policies,
     "policy OIDs in issued certificates (Let's Encrypt: [\"2.23.140.1.2.1\"], CA/B Forum domain validated); "
     "[] = no certificatePolicies extension",
     check_policy_oids},
    {"crlBaseUrl", &Config::crl_base_url,
     "base URL of the CRL in issued certificates (<base>/crl/0); empty = the ACME listener"},
    {"crlRefreshSeconds", &Config::crl_refresh_seconds, "a CRL is re-signed when older than this"},
    {"crlShards", &Config::crl_shards,
     "0: one CRL at /crl/0; N: certificates name shard (serial mod N) + 1 at /crl/<shard>.crl, as Boulder"},
    {"crlLifetimeHours", &Config::crl_lifetime_hours,
     "a CRL's nextUpdate is this long after thisUpdate, less 1 s"},
    {"http01RedirectPorts", &Config::http01_redirect_ports,
     "where http-01 redirects may lead: standard (80, 443 and httpPort/tlsPort, as Let's Encrypt) or "
     "any (every port, as Pebble)"},
    {"httpPort", &Config::http_port, "port http-01 challenges are fetched from"},
    {"tlsPort", &Config::tls_port, "port tls-alpn-01 challenges are checked on"},
    {"dnsServer", &Config::dns_server,
     "DNS server host:port for validation lookups (host may be a name, resolved once at start); empty = "
     "system resolver"},
    {"vaAllowLoopback", &Config::va_allow_loopback, "validation may connect to loopback addresses"},
    {"vaAllowPrivate", &Config::va_allow_private, "validation may connect to private-use addresses"},
    {"vaTimeoutSeconds", &Config::va_timeout_seconds, "time allowed for one validation"},
    {"vaPerspectives", &Config::va_perspectives,
     "perspectives per challenge (a primary and unnamed remotes) that must all pass; see "
     "vaRemotePerspectives"},
    {"vaRemotePerspectives", &Config::va_remote_perspectives,
     "named remote perspectives [{name, rir, sourceAddress}] that must corroborate the primary",
     check_remote_perspectives},
    {"vaRemoteQuorum", &Config::va_remote_quorum, "remote perspectives that must corroborate (0: all)"},
    {"vaSleepSeconds", &Config::va_sleep_seconds, "random delay up to N seconds before each validation"},
    {"vaMaxConcurrent", &Config::va_max_concurrent, "validations running at once; more wait in line"},
    {"vaMaxQueued", &Config::va_max_queued,
     "validations waiting in line at most; a challenge POST beyond is refused (503, Retry-After)"},
    {"dnsAccount01Enabled", &Config::dns_account01_enabled,
     "offer dns-account-01 challenges (draft-ietf-acme-dns-account-label)"},
    {"dnsPersist01Enabled", &Config::dns_persist01_enabled,
     "offer dns-persist-01 challenges (draft-ietf-acme-dns-persist); issuer names = caaIdentities"},
    {"caaEnabled", &Config::caa_enabled,
     "check CAA after each validation (RFC 8659, 8657); issuer names = caaIdentities or cobble.test"},
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
    {"ariRetryAfterJitterPercent", &Config::ari_retry_after_jitter_percent,
     "renewalInfo's Retry-After (6 hours) varies by up to this many percent either way (Let's Encrypt: 20)"},
    {"acceptOrderValidity", &Config::accept_order_validity,
     "newOrder may ask for notBefore/notAfter; false refuses them, as Let's Encrypt"},
    {"serveRevokedCertificates", &Config::serve_revoked_certificates,
     "a revoked certificate can still be downloaded (as Boulder); false = 404 (as Pebble)"},
    {"keyPolicy", &Config::key_policy,
     "which account and CSR keys are accepted: cobble (default), pebble (also RSA 1024+ and P-521 "
     "CSRs) or letsencrypt (RSA 2048/3072/4096, P-256, P-384)"},
    {"keyAlgorithm", &Config::ca_key_algorithm, "CA keys: ecdsa (P-256) or rsa (2048)"},
    {"caPersist", &Config::ca_persist, "keep the CA in dataDir across restarts; false = fresh each start"},
    {"alternateRoots", &Config::alternate_roots,
     "extra root hierarchies cross-signing the issuer: alternate chains (RFC 8555 §7.4.2)"},
    {"chainLength", &Config::chain_length, "intermediates between a leaf and its root, 1 or more"},
    {"intermediatesPerKeyType", &Config::intermediates_per_key_type,
     "N > 0: Let's Encrypt's RSA and ECDSA hierarchies, N intermediates each, one picked at random per "
     "issuance by the leaf's key type"},
    {"domainBlocklist", &Config::domain_blocklist,
     "names refused with rejectedIdentifier, their subdomains included (Pebble's domainBlocklist)"},
    {"retryAfterAuthzSeconds", &Config::retry_after_authz_seconds,
     "Retry-After on a processing challenge or authorization; 0 = none (Pebble's retryAfter.authz)"},
    {"retryAfterOrderSeconds", &Config::retry_after_order_seconds,
     "Retry-After on a processing order; 0 = none (Pebble's retryAfter.order)"},
    {"nonceRejectPercent", &Config::nonce_reject_percent,
     "share (0-100) of good nonces refused with badNonce (PEBBLE_WFE_NONCEREJECT)"},
    {"chaos", &Config::chaos,
     "injected faults per endpoint, e.g. {\"newOrder\": {\"rateLimited\": 0.1, \"delayMs\": 200}}",
     check_chaos},
};

// Older names still accepted in files, flags and the environment.
const std::pair<const char*, const char*> kAliases[] = {
    {"externalAccountRequired", "externalAccountBindingRequired"},
};

// Pebble's environment variables, so CI scripts written for Pebble work unchanged.
const std::pair<const char*, const char*> kPebbleEnv[] = {
    {"PEBBLE_VA_ALWAYS_VALID", "alwaysValid"},        {"PEBBLE_AUTHZREUSE", "authzReusePercent"},
    {"PEBBLE_WFE_ORDERS_PER_PAGE", "ordersPerPage"},  {"PEBBLE_VA_SLEEPTIME", "vaSleepSeconds"},
    {"PEBBLE_ALTERNATE_ROOTS", "alternateRoots"},     {"PEBBLE_CHAIN_LENGTH", "chainLength"},
    {"PEBBLE_WFE_NONCEREJECT", "nonceRejectPercent"},
};

// Pebble reads its boolean variables as true for 1/true/True/TRUE and false for anything else.
bool pebble_truthy(const std::string& value) {
  return value == "1" || value == "true" || value == "True" || value == "TRUE";
}

std::string env_name(std::string_view key) {
  std::string out = "COBBLE_";
  auto upper = [&](std::size_t i) {
    return i < key.size() && std::isupper(static_cast<unsigned char>(key[i]));
  };
  auto lower = [&](std::size_t i) {
    return i < key.size() && std::islower(static_cast<unsigned char>(key[i]));
  };
  for (std::size_t i = 0; i < key.size(); ++i) {
    // A word starts at a capital after a lower-case letter or a digit, or at the last capital of an
    // acronym ("externalAccountMACKeys" → EXTERNAL_ACCOUNT_MAC_KEYS, "dnsAccount01Enabled" →
    // DNS_ACCOUNT01_ENABLED).
    bool after_word = i > 0 && (lower(i - 1) || std::isdigit(static_cast<unsigned char>(key[i - 1])));
    if (i > 0 && upper(i) && (after_word || (upper(i - 1) && lower(i + 1)))) out += '_';
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(key[i])));
  }
  return out;
}

const Option* find_option(std::string_view key) {
  for (const auto& [alias, name] : kAliases)
    if (key == alias) key = name;
  for (const auto& o : kOptions)
    if (key == o.key) return &o;
  return nullptr;
}

std::string type_name(const Member& m) {
  return std::visit(
      [](auto ptr) -> std::string {
        using T = std::remove_reference_t<decltype(Config{}.*ptr)>;
        if constexpr (std::is_same_v<T, nlohmann::json>)
          return (Config{}.*ptr).is_array() ? "a JSON list" : "a JSON object";
        if constexpr (std::is_same_v<T, bool>) return "a boolean";
        if constexpr (std::is_same_v<T, int>) return "an integer";
        if constexpr (std::is_same_v<T, std::string>) return "a string";
        if constexpr (std::is_same_v<T, StringMap>) return "an object of strings";
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
        } else if constexpr (std::is_same_v<T, StringMap>) {
          if (!value.is_object()) return false;
          StringMap map;
          for (const auto& [name, item] : value.items()) {
            if (!item.is_string()) return false;
            map[name] = item.template get<std::string>();
          }
          config.*ptr = std::move(map);
        } else if constexpr (std::is_same_v<T, nlohmann::json>) {
          // A JSON setting keeps the shape of its default: an object (profiles, chaos) or a list; one
          // whose default is a word (rateLimits: a preset's name) also takes an object.
          const nlohmann::json shape = Config{}.*ptr;
          if (value.type() != shape.type() && !(shape.is_string() && value.is_object())) return false;
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
  if (option.check) {
    if (auto checked = option.check(value); !checked) {
      return common::fail(std::errc::invalid_argument,
                          std::string("setting '") + option.key + "': " + checked.error().message);
    }
  }
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
  if (is_pebble_config(json)) {
    // Pebble's format; Cobble keys beside "pebble" apply on top of the translated ones.
    auto translated = translate_pebble_config(json["pebble"]);
    for (const auto& warning : translated.warnings) spdlog::warn("config file {}: {}", path, warning);
    for (const auto& [key, value] : json.items())
      if (key != "pebble") translated.settings[key] = value;
    json = std::move(translated.settings);
  }
  if (auto r = apply_json(config, json); !r) {
    return common::fail(r.error().code, "config file " + path + ": " + r.error().message);
  }
  return {};
}

common::Result<void> apply_text(Config& config, const std::string& key, const std::string& text) {
  const Option* option = find_option(key);
  if (!option) return common::fail(std::errc::invalid_argument, "unknown setting '" + key + "'");
  // Settings are stored and shown as JSON, which holds only UTF-8 (a flag or variable can hold any
  // bytes; found by the config fuzzer: json::dump threw on them).
  if (common::valid_utf8(text) != text) {
    return common::fail(std::errc::invalid_argument,
                        "setting '" + key + "' is not UTF-8 text: '" + common::valid_utf8(text) + "'");
  }
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
        } else if constexpr (std::is_same_v<T, StringMap>) {
          // "kid:key,kid2:key2" (base64url keys contain no ':' or ',').
          value = nlohmann::json::object();
          std::stringstream items(text);
          for (std::string item; std::getline(items, item, ',');) {
            if (item.empty()) continue;
            auto colon = item.find(':');
            if (colon == std::string::npos || colon == 0) return false;
            value[item.substr(0, colon)] = item.substr(colon + 1);
          }
        } else if constexpr (std::is_same_v<T, nlohmann::json>) {
          // Text that is not JSON is taken as a string (COBBLE_RATE_LIMITS=letsencrypt); the
          // setting's own check refuses what it cannot use.
          value = nlohmann::json::parse(text, nullptr, false);
          if (value.is_discarded()) value = text;
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
    std::string text = it->second;
    if (std::string_view(key) == "alwaysValid") text = pebble_truthy(text) ? "true" : "false";
    if (auto r = apply_text(candidate, key, text); !r) {
      return common::fail(r.error().code, "environment variable " + it->first + ": " + r.error().message);
    }
  }
  // PEBBLE_VA_NOSLEEP=1 turns the random delay off, whatever else says.
  if (auto it = env.find("PEBBLE_VA_NOSLEEP"); it != env.end() && pebble_truthy(it->second)) {
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
