#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace cobble::app {

// Every setting, with its embedded default. config/cobble.json writes the same defaults out (a
// unit test keeps the two equal). Key names follow Pebble's where Pebble has the setting.
struct Config {
  std::string listen_address = "127.0.0.1:14000";             // listenAddress (HTTPS)
  std::string plain_listen_address;                           // plainListenAddress ("" = off)
  std::string management_listen_address = "127.0.0.1:15000";  // managementListenAddress ("" = off)
  std::string certificate;                                    // own HTTPS chain; "" = made in dataDir
  std::string private_key;                                    // its key
  std::vector<std::string> https_names;                       // extra names for the made certificate
  std::string data_dir = "data";
  std::string database;                  // "" = <dataDir>/cobble.db; ":memory:" allowed
  bool sync_every_commit = false;        // syncEveryCommit: fsync each commit (power-loss safe, slower)
  bool check_database_at_start = false;  // checkDatabaseAtStart: PRAGMA quick_check at open
  std::string log_level = "info";
  std::string log_format = "text";  // logFormat: text (spdlog's lines) or json (one object per line)
  bool fake_clock = false;
  int threads = 0;  // I/O and handler threads each; 0 = number of cores
  // Directory meta (RFC 8555 §7.1.1)
  std::string terms_of_service;
  std::string website;
  std::vector<std::string> caa_identities;
  bool external_account_required = false;  // externalAccountBindingRequired (alias externalAccountRequired)
  std::map<std::string, std::string> external_account_mac_keys;  // externalAccountMACKeys: kid → base64url
  // Limits
  int max_body_bytes = 64 * 1024;
  int max_header_bytes = 16 * 1024;
  int read_timeout_seconds = 30;
  int idle_timeout_seconds = 60;
  int nonce_capacity = 100'000;
  int max_connections = 0;              // maxConnections: per listener; 0 = from the open-file limit
  int max_connections_per_address = 0;  // maxConnectionsPerAddress: per client address; 0 = derived
  std::string external_url;             // externalUrl: base of every ACME link; "" = from Host
  std::string management_token;         // managementToken: bearer token the management API requires
  // metrics: count and time every request, validation and database transaction for /metrics
  bool metrics = true;
  // trustedProxies: addresses and CIDR networks whose Forwarded / X-Forwarded-* headers count
  std::vector<std::string> trusted_proxies;
  // Issuance
  bool always_valid = false;      // alwaysValid: every challenge passes (PEBBLE_VA_ALWAYS_VALID)
  int authz_reuse_percent = 100;  // authzReusePercent: 0 = never reuse (PEBBLE_AUTHZREUSE)
  int orders_per_page = 50;       // ordersPerPage (PEBBLE_WFE_ORDERS_PER_PAGE)
  bool require_terms_of_service = false;
  // termsRefusal: the problem newAccount gets without the agreement: userActionRequired (403),
  // agreementRequired (403, as Pebble) or malformed (400, as Let's Encrypt).
  std::string terms_refusal = "userActionRequired";
  bool finalize_answers_processing = false;  // finalizeAnswersProcessing: as Pebble and LE staging
  nlohmann::json revocation_reasons = nlohmann::json::array();  // revocationReasons: [] = 0-6, 8-10
  bool directory_random_entry = false;     // directoryRandomEntry: one random key per directory, as LE
  int ari_retry_after_jitter_percent = 0;  // ariRetryAfterJitterPercent: ± on renewalInfo's 6 h Retry-After
  bool accept_order_validity = true;       // acceptOrderValidity: false = notBefore/notAfter refused
  bool serve_revoked_certificates = true;  // serveRevokedCertificates: false = 404, as Pebble
  std::string key_policy = "cobble";       // keyPolicy: cobble | pebble | letsencrypt (account and CSR keys)
  int certificate_validity_days = 90;
  int order_lifetime_hours = 24;
  // Profiles (draft-ietf-acme-profiles; app/profiles_config.hpp): {} = one built-in "default".
  nlohmann::json profiles = nlohmann::json::object();
  std::string default_profile;     // "" = "default" if configured, else the first by name
  std::string ocsp_responder_url;  // ocspResponderURL: AIA OCSP in leaves (no responder is run)
  std::vector<std::string> certificate_policies;
  // rateLimits: "off", "letsencrypt", "staging", or {"<Boulder limit name>": {burst, count, periodSeconds}}
  nlohmann::json rate_limits = "off";
  // requestLimits: "off", "letsencrypt", "staging", or {"<endpoint>": {perSecond, burst}, "other": {...}}
  nlohmann::json request_limits = "off";  // certificatePolicies: policy OIDs in leaves
  std::string crl_base_url;               // base of the CRLDP URL <base>/crl/0; "" = from the listen address
  int crl_refresh_seconds = 60;           // a CRL is reused at most this long
  int crl_shards = 0;                     // 0: one CRL; N: Boulder's shards 1..N besides /crl/0
  int crl_lifetime_hours = 24;            // nextUpdate = thisUpdate + this − 1 s
  // Validation authority
  std::string http01_redirect_ports = "standard";  // http01RedirectPorts: standard (80/443) | any (Pebble)
  int http_port = 80;             // httpPort: where http-01 is checked (Pebble's tests use 5002)
  int tls_port = 443;             // tlsPort: where tls-alpn-01 is checked (Pebble's tests use 5001)
  std::string dns_server;         // dnsServer: "host:port" for all lookups; "" = the system's
  bool va_allow_loopback = true;  // a local test CA validates against 127.0.0.1 / ::1
  bool va_allow_private = false;  // RFC 1918 and friends
  int va_timeout_seconds = 10;
  int va_perspectives = 1;  // primary + unnamed remotes that must all pass (Pebble: 3)
  // Named remote perspectives (app/perspectives_config.hpp); when set, they replace the unnamed ones.
  nlohmann::json va_remote_perspectives = nlohmann::json::array();
  int va_remote_quorum = 0;  // remote perspectives that must corroborate; 0 = all
  int va_sleep_seconds = 0;  // random delay 0..N s before validating (PEBBLE_VA_SLEEPTIME)
  int va_max_concurrent = 4096;
  int va_max_queued = 10'000;  // validations waiting beyond vaMaxConcurrent; a challenge POST past it is 503
  bool dns_account01_enabled = false;  // offer dns-account-01 (draft-ietf-acme-dns-account-label)
  bool dns_persist01_enabled = false;  // offer dns-persist-01 (draft-ietf-acme-dns-persist)
  bool caa_enabled = false;            // check CAA (RFC 8659, RFC 8657) after each validation
  // Zombie-client pausing (docs/pausing.md); defaults are Boulder's shipped ones.
  bool pause_enabled = true;
  int pause_burst = 3600;      // failures in a row a fresh pair may have
  int pause_refill_count = 1;  // tokens back per period
  int pause_refill_period_hours = 24;
  int pause_grace_days = 14;               // an unpaused pair is not re-paused for this long
  std::string pause_portal_url;            // base of the unpause portal; "" = the ACME listener
  bool pause_boulder_problem = false;      // answer rateLimited/429 as Boulder does
  std::string pause_webhook_url;           // POST each pause notice here as JSON; "" = log only
  std::string unpause_key_file;            // hex HMAC key; "" = <dataDir>/unpause.key, made on first start
  std::string ca_key_algorithm = "ecdsa";  // keyAlgorithm: ecdsa or rsa
  bool ca_persist = true;                  // caPersist: false = fresh CA each start, like Pebble
  int alternate_roots = 0;                 // alternateRoots (PEBBLE_ALTERNATE_ROOTS)
  int chain_length = 1;                    // chainLength: intermediates per chain (PEBBLE_CHAIN_LENGTH)
  int intermediates_per_key_type = 0;      // intermediatesPerKeyType: Let's Encrypt's layout when > 0
  // Pebble compatibility (docs/pebble-compat.md)
  std::vector<std::string> domain_blocklist;        // domainBlocklist: names (and subdomains) refused
  int retry_after_authz_seconds = 1;                // Retry-After on processing challenges/authzs; 0 = none
  int retry_after_order_seconds = 1;                // Retry-After on processing orders; 0 = none
  int nonce_reject_percent = 0;                     // nonceRejectPercent (PEBBLE_WFE_NONCEREJECT)
  nlohmann::json chaos = nlohmann::json::object();  // injected faults per endpoint (api/chaos.hpp)
  // Not a setting: --pebble-compat or a binary named `pebble` (Pebble's defaults and log lines).
  bool pebble_compat = false;
};

// One documented setting: its file key, environment variable and help text.
struct OptionInfo {
  std::string key;
  std::string env;
  std::string help;
};
const std::vector<OptionInfo>& options();

// The defaults as a JSON object (what config/cobble.json holds).
nlohmann::json defaults_json();

// Applies a JSON object of settings. Unknown keys and wrong types are refused with the key's name
// (errc::invalid_argument), and nothing is applied then.
common::Result<void> apply_json(Config& config, const nlohmann::json& settings);
// Reads and applies a config file. Errors name the file (unreadable, not JSON, bad keys).
common::Result<void> apply_file(Config& config, const std::string& path);
// Applies COBBLE_* variables from `env` (name → value), and Pebble's variables a client's CI
// already sets (PEBBLE_VA_ALWAYS_VALID, PEBBLE_AUTHZREUSE, PEBBLE_WFE_ORDERS_PER_PAGE). A value that does not
// parse is refused with the variable's name.
common::Result<void> apply_env(Config& config, const std::map<std::string, std::string>& env);
// Applies one setting given as text (flags and environment): "true"/"false", integers, and
// comma-separated lists.
common::Result<void> apply_text(Config& config, const std::string& key, const std::string& text);

// host:port → parts; errc::invalid_argument when malformed.
common::Result<std::pair<std::string, std::uint16_t>> split_host_port(const std::string& address);

}  // namespace cobble::app
