#include <catch2/catch.hpp>
#include <fstream>
#include <set>

#include "app/config.hpp"
#include "app/config_check.hpp"
#include "app/letsencrypt_preset.hpp"
#include "app/perspectives_config.hpp"
#include "app/profiles_config.hpp"
#include "support/temp_dir.hpp"

using cobble::app::Config;

namespace {

std::string write_file(const cobble::test::TempDir& dir, const std::string& name, const std::string& text) {
  auto path = (dir.path() / name).string();
  std::ofstream(path) << text;
  return path;
}

}  // namespace

TEST_CASE("config precedence is defaults < file < environment < flags", "[app]") {
  cobble::test::TempDir dir;
  auto file =
      write_file(dir, "c.json", R"({"listenAddress": "127.0.0.1:1000", "logLevel": "debug", "threads": 3})");
  Config config;
  REQUIRE(cobble::app::apply_file(config, file));
  CHECK(config.listen_address == "127.0.0.1:1000");
  CHECK(config.management_listen_address == "127.0.0.1:15000");  // default kept

  REQUIRE(cobble::app::apply_env(config, {{"COBBLE_LISTEN_ADDRESS", "127.0.0.1:2000"}, {"UNRELATED", "x"}}));
  CHECK(config.listen_address == "127.0.0.1:2000");
  CHECK(config.log_level == "debug");

  REQUIRE(cobble::app::apply_text(config, "listenAddress", "127.0.0.1:3000"));
  CHECK(config.listen_address == "127.0.0.1:3000");
  CHECK(config.threads == 3);
}

TEST_CASE("config refuses unknown keys with the key's name and applies nothing", "[app]") {
  Config config;
  auto r =
      cobble::app::apply_json(config, nlohmann::json::parse(R"({"logLevel": "debug", "listenAdress": "x"})"));
  REQUIRE_FALSE(r);
  CHECK_THAT(r.error().message, Catch::Contains("listenAdress"));
  CHECK(config.log_level == "info");
}

TEST_CASE("config refuses wrong types with the key's name", "[app]") {
  auto [json, key] = GENERATE(table<std::string, std::string>({
      {R"({"threads": "four"})", "threads"},
      {R"({"fakeClock": 1})", "fakeClock"},
      {R"({"caaIdentities": "example.com"})", "caaIdentities"},
      {R"({"caaIdentities": [1]})", "caaIdentities"},
      {R"({"listenAddress": 14000})", "listenAddress"},
      {R"({"maxBodyBytes": -1})", "maxBodyBytes"},
  }));
  CAPTURE(json);
  Config config;
  auto r = cobble::app::apply_json(config, nlohmann::json::parse(json));
  REQUIRE_FALSE(r);
  CHECK_THAT(r.error().message, Catch::Contains(key));
}

TEST_CASE("environment values that do not parse are refused with the variable's name", "[app]") {
  Config config;
  auto r = cobble::app::apply_env(config, {{"COBBLE_THREADS", "many"}});
  REQUIRE_FALSE(r);
  CHECK_THAT(r.error().message, Catch::Contains("COBBLE_THREADS"));
  CHECK(cobble::app::apply_env(config,
                               {{"COBBLE_FAKE_CLOCK", "true"}, {"COBBLE_CAA_IDENTITIES", "a.test,b.test"}}));
  CHECK(config.fake_clock);
  CHECK(config.caa_identities == std::vector<std::string>{"a.test", "b.test"});
}

TEST_CASE("a flag or variable that is not UTF-8 is refused, never thrown on", "[app]") {
  // Found by the config fuzzer: a list, map or JSON setting kept the bytes, and the JSON they went
  // into threw when written out.
  struct Case {
    const char* key;
    const char* variable;
    const char* text;
  };
  for (auto [key, variable, text] :
       std::initializer_list<Case>{{"caaIdentities", "COBBLE_CAA_IDENTITIES", "a.test,\xff"},
                                   {"externalAccountMACKeys", "COBBLE_EXTERNAL_ACCOUNT_MAC_KEYS", "kid:\xc3"},
                                   {"chaos", "COBBLE_CHAOS", "{\"*\":\xff}"},
                                   {"website", "COBBLE_WEBSITE", "https://\xe2\x82.example"}}) {
    CAPTURE(key);
    Config config;
    auto r = cobble::app::apply_text(config, key, text);
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message, Catch::Contains(key) && Catch::Contains("not UTF-8"));
    auto from_env = cobble::app::apply_env(config, {{variable, text}});
    REQUIRE_FALSE(from_env);
    CHECK_THAT(from_env.error().message, Catch::Contains("not UTF-8"));
  }
  Config config;
  CHECK(cobble::app::apply_text(config, "website", "https://caf\xc3\xa9.example"));
}

TEST_CASE("environment names split words at capitals after digits and at the end of acronyms", "[app]") {
  Config config;
  REQUIRE(cobble::app::apply_env(config, {{"COBBLE_DNS_ACCOUNT01_ENABLED", "true"},
                                          {"COBBLE_DNS_PERSIST01_ENABLED", "true"},
                                          {"COBBLE_OCSP_RESPONDER_URL", "http://ocsp.test/"}}));
  CHECK(config.dns_account01_enabled);
  CHECK(config.dns_persist01_enabled);
  CHECK(config.ocsp_responder_url == "http://ocsp.test/");
  bool listed = false;
  for (const auto& option : cobble::app::options())
    if (option.key == "dnsAccount01Enabled") listed = option.env == "COBBLE_DNS_ACCOUNT01_ENABLED";
  CHECK(listed);
}

TEST_CASE("a config file that is missing or not JSON is refused naming the file", "[app]") {
  cobble::test::TempDir dir;
  Config config;
  auto missing = cobble::app::apply_file(config, (dir.path() / "nope.json").string());
  REQUIRE_FALSE(missing);
  CHECK_THAT(missing.error().message, Catch::Contains("nope.json"));
  auto garbage = cobble::app::apply_file(config, write_file(dir, "bad.json", "{not json"));
  REQUIRE_FALSE(garbage);
  CHECK_THAT(garbage.error().message, Catch::Contains("bad.json"));
}

TEST_CASE("config/cobble.json documents every setting with its embedded default", "[app]") {
  std::ifstream in(std::string(COBBLE_SOURCE_DIR) + "/config/cobble.json");
  REQUIRE(in);
  auto file = nlohmann::json::parse(in);
  CHECK(file == cobble::app::defaults_json());
  Config config;
  CHECK(cobble::app::apply_json(config, file));
}

TEST_CASE("host:port addresses are split and bad ones refused", "[app]") {
  auto ok = cobble::app::split_host_port("127.0.0.1:14000");
  REQUIRE(ok);
  CHECK(ok->first == "127.0.0.1");
  CHECK(ok->second == 14000);
  auto v6 = cobble::app::split_host_port("[::1]:443");
  REQUIRE(v6);
  CHECK(v6->first == "::1");
  auto bad = GENERATE(as<std::string>{}, "localhost", "127.0.0.1:", "127.0.0.1:99999", "127.0.0.1:1x");
  CAPTURE(bad);
  CHECK_FALSE(cobble::app::split_host_port(bad));
}

TEST_CASE("config/staging.json is a valid Let's Encrypt staging-like configuration", "[app]") {
  Config config;
  REQUIRE(cobble::app::apply_file(config, std::string(COBBLE_SOURCE_DIR) + "/config/staging.json"));
  CHECK_FALSE(config.va_allow_loopback);  // a staging stand-in never validates against itself
  CHECK(config.pause_burst == 3600);
  CHECK(config.pause_refill_count == 3600);  // "3600 per 6 hours" (docs/pausing.md)
  CHECK(config.pause_refill_period_hours == 6);
  CHECK(config.require_terms_of_service);
  CHECK(config.key_policy == "letsencrypt");
  CHECK_FALSE(config.accept_order_validity);
  CHECK(config.ari_retry_after_jitter_percent == 20);
  CHECK(config.terms_refusal == "malformed");  // Boulder: 400 "must agree to terms of service"
  CHECK(config.finalize_answers_processing);   // staging finalizes asynchronously
  CHECK(config.revocation_reasons == nlohmann::json::parse("[0, 1, 4, 5]"));
  CHECK(config.directory_random_entry);
  CHECK(config.caa_enabled);
  CHECK(config.caa_identities == std::vector<std::string>{"letsencrypt.org"});
  CHECK(config.certificate_policies == std::vector<std::string>{"2.23.140.1.2.1"});
  // Let's Encrypt's profiles (late 2026), classic by default.
  auto profiles = cobble::app::profiles_from_json(config.profiles);
  REQUIRE(profiles);
  REQUIRE(profiles->size() == 3);
  CHECK(config.default_profile == "classic");
  const auto& classic = (*profiles)[0];
  CHECK(classic.name == "classic");
  CHECK(classic.validity == std::chrono::hours(24 * 90));
  CHECK(classic.promote_common_name);
  CHECK((classic.server_auth && !classic.client_auth));  // clientAuth removed in 2026
  CHECK((classic.key_encipherment && classic.subject_key_identifier));
  CHECK(classic.order_lifetime == std::chrono::hours(24 * 7));
  CHECK(classic.pending_authz_lifetime == std::chrono::hours(24 * 7));
  CHECK(classic.valid_authz_lifetime == std::chrono::hours(24 * 30));
  CHECK(classic.max_identifiers == 100);
  CHECK((classic.dns_identifiers && !classic.ip_identifiers));
  const auto& shortlived = (*profiles)[1];
  const auto& tlsserver = (*profiles)[2];
  CHECK(shortlived.name == "shortlived");
  CHECK(shortlived.validity == std::chrono::hours(160));
  CHECK(tlsserver.name == "tlsserver");
  CHECK(tlsserver.validity == std::chrono::hours(24 * 45));
  CHECK((shortlived.dns_identifiers && shortlived.ip_identifiers));
  CHECK((tlsserver.dns_identifiers && !tlsserver.ip_identifiers));
  for (const auto* p : {&shortlived, &tlsserver}) {
    CAPTURE(p->name);
    CHECK((p->server_auth && !p->client_auth && !p->promote_common_name));
    CHECK((!p->key_encipherment && !p->subject_key_identifier));
    CHECK(p->order_lifetime == std::chrono::hours(8));
    CHECK(p->pending_authz_lifetime == std::chrono::hours(1));
    CHECK(p->valid_authz_lifetime == std::chrono::hours(7));
    CHECK(p->max_identifiers == 25);
  }
}

TEST_CASE("profiles take Pebble's shape and refuse anything else naming the profile and key", "[app]") {
  Config config;
  REQUIRE(cobble::app::apply_json(
      config, nlohmann::json::parse(
                  R"({"profiles": {"default": {"description": "d", "validityPeriod": 7776000}}})")));
  CHECK(config.profiles["default"]["validityPeriod"] == 7776000);
  struct Case {
    const char* json;
    const char* message_part;
  };
  auto c = GENERATE(values<Case>({
      {R"({"profiles": []})", "must be a JSON object"},
      {R"({"profiles": {"x": {"validityPeriod": 0}}})", "\"x\" 'validityPeriod'"},
      {R"({"profiles": {"x": {"lifetime": 5}}})", "unknown key 'lifetime'"},
      {R"({"profiles": {"x": {"extendedKeyUsages": ["codeSigning"]}}})", "codeSigning"},
      {R"({"profiles": {"x": {"identifierTypes": ["email"]}}})",
       "\"x\" 'identifierTypes' may hold \"dns\", \"ip\""},
      {R"({"profiles": {"x": {"identifierTypes": []}}})", "at least one type"},
      {R"({"profiles": {"x": {"maxIdentifiers": 0}}})", "'maxIdentifiers' must be a number, 1 to 1000"},
      {R"({"profiles": {"x": {"keyEncipherment": "no"}}})", "'keyEncipherment' must be true or false"},
      {R"({"profiles": {"x": {"validAuthzLifetime": -1}}})", "'validAuthzLifetime' must be seconds"},
      {R"({"profiles": {"bad name": {}}})", "bad name"},
  }));
  CAPTURE(c.json);
  auto applied = cobble::app::apply_json(config, nlohmann::json::parse(c.json));
  REQUIRE_FALSE(applied);
  CAPTURE(applied.error().message);
  CHECK(applied.error().message.find(c.message_part) != std::string::npos);
  CHECK(config.profiles.contains("default"));  // nothing applied
}

TEST_CASE("JSON settings come from the environment too, and Pebble's ocspResponderURL keeps its words",
          "[app]") {
  Config config;
  REQUIRE(cobble::app::apply_env(config, {{"COBBLE_PROFILES", R"({"a": {"validityPeriod": 60}})"},
                                          {"COBBLE_OCSP_RESPONDER_URL", "http://ocsp.test/"}}));
  CHECK(config.profiles["a"]["validityPeriod"] == 60);
  CHECK(config.ocsp_responder_url == "http://ocsp.test/");
  REQUIRE(cobble::app::apply_env(
      config,
      {{"COBBLE_RATE_LIMITS", R"({"NewOrdersPerAccount": {"burst": 2, "count": 2, "periodSeconds": 60}})"}}));
  CHECK(config.rate_limits.is_object());
  // A bare word is a string: presets by name.
  REQUIRE(cobble::app::apply_env(config, {{"COBBLE_RATE_LIMITS", "letsencrypt"}}));
  CHECK(config.rate_limits == "letsencrypt");
  auto unknown = cobble::app::apply_env(config, {{"COBBLE_RATE_LIMITS", "lots"}});
  REQUIRE_FALSE(unknown);
  CHECK_THAT(unknown.error().message,
             Catch::Contains("COBBLE_RATE_LIMITS") && Catch::Contains("unknown preset"));
  auto broken = cobble::app::apply_env(config, {{"COBBLE_PROFILES", "{not json"}});
  REQUIRE_FALSE(broken);
  CHECK_THAT(broken.error().message, Catch::Contains("COBBLE_PROFILES"));
}

TEST_CASE("external account binding settings take Pebble's names and the old one as an alias", "[app]") {
  Config config;
  REQUIRE(cobble::app::apply_json(config, nlohmann::json::parse(R"({
    "externalAccountBindingRequired": true,
    "externalAccountMACKeys": {"kid-1": "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W"}
  })")));
  CHECK(config.external_account_required);
  CHECK(config.external_account_mac_keys.at("kid-1").starts_with("zWNDZM6e"));

  Config old;
  REQUIRE(cobble::app::apply_json(old, nlohmann::json::parse(R"({"externalAccountRequired": true})")));
  CHECK(old.external_account_required);

  Config from_env;
  REQUIRE(cobble::app::apply_env(from_env, {{"COBBLE_EXTERNAL_ACCOUNT_MAC_KEYS", "a:AAAA,b:BBBB"}}));
  CHECK(from_env.external_account_mac_keys ==
        std::map<std::string, std::string>{{"a", "AAAA"}, {"b", "BBBB"}});

  auto wrong =
      cobble::app::apply_json(config, nlohmann::json::parse(R"({"externalAccountMACKeys": {"k": 1}})"));
  REQUIRE_FALSE(wrong);
  CHECK_THAT(wrong.error().message, Catch::Contains("externalAccountMACKeys"));
}

TEST_CASE("Pebble's alternate roots and chain length variables set the chain settings", "[app]") {
  Config config;
  REQUIRE(cobble::app::apply_env(config, {{"PEBBLE_ALTERNATE_ROOTS", "2"}, {"PEBBLE_CHAIN_LENGTH", "3"}}));
  CHECK(config.alternate_roots == 2);
  CHECK(config.chain_length == 3);
}

TEST_CASE("the --letsencrypt preset is valid and config/staging.json differs from it only in staging's rates",
          "[app]") {
  Config preset;
  cobble::app::apply_letsencrypt_preset(preset);
  REQUIRE(cobble::app::check_config(preset));
  CHECK(preset.key_policy == "letsencrypt");
  CHECK(preset.pause_burst == 1152);  // since 2025-07-10 (was 3600)
  CHECK(preset.pause_refill_count == 1);
  CHECK(preset.pause_refill_period_hours == 24);
  CHECK(preset.default_profile == "classic");
  CHECK(preset.rate_limits == "letsencrypt");
  CHECK(preset.listen_address == Config{}.listen_address);  // the preset leaves the network alone
  // MPIC: 3 remote perspectives in 2 RIRs must corroborate the primary (of 4 remotes in 3 RIRs).
  auto rule = cobble::app::corroboration_from(preset);
  REQUIRE(rule);
  CHECK(rule->remotes.size() == 4);
  CHECK(rule->quorum == 3);
  std::set<std::string> rirs;
  for (const auto& remote : rule->remotes) rirs.insert(remote.rir);
  CHECK(rirs.size() == 3);

  auto staging =
      nlohmann::json::parse(std::ifstream(std::string(COBBLE_SOURCE_DIR) + "/config/staging.json"));
  const std::set<std::string> staging_rate = {"pauseBurst", "pauseRefillCount", "pauseRefillPeriodHours",
                                              "rateLimits", "requestLimits"};
  const auto values = cobble::app::letsencrypt_preset();
  for (const auto& [key, value] : values.items()) {
    CAPTURE(key);
    REQUIRE(staging.contains(key));
    if (staging_rate.contains(key)) {
      CHECK(staging[key] != value);
    } else {
      CHECK(staging[key] == value);
    }
  }
}

TEST_CASE("trustedProxies takes addresses and networks from a file or COBBLE_TRUSTED_PROXIES",
          "[app][forwarded]") {
  Config config;
  REQUIRE(
      cobble::app::apply_json(config, nlohmann::json::parse(R"({"trustedProxies": ["10.0.0.0/8", "::1"]})")));
  CHECK(config.trusted_proxies == std::vector<std::string>{"10.0.0.0/8", "::1"});
  REQUIRE(cobble::app::apply_env(config, {{"COBBLE_TRUSTED_PROXIES", "192.0.2.7,2001:db8::/32"}}));
  CHECK(config.trusted_proxies == std::vector<std::string>{"192.0.2.7", "2001:db8::/32"});

  auto bad = cobble::app::apply_env(config, {{"COBBLE_TRUSTED_PROXIES", "10.0.0.0/8,proxy.internal"}});
  REQUIRE_FALSE(bad);
  CHECK_THAT(bad.error().message, Catch::Contains("COBBLE_TRUSTED_PROXIES") &&
                                      Catch::Contains("trustedProxies") && Catch::Contains("proxy.internal"));
  bad = cobble::app::apply_json(config, nlohmann::json::parse(R"({"trustedProxies": ["10.1.0.0/8"]})"));
  REQUIRE_FALSE(bad);
  CHECK_THAT(bad.error().message, Catch::Contains("host bits set: the network is 10.0.0.0/8"));
  CHECK_FALSE(cobble::app::apply_json(config, nlohmann::json::parse(R"({"trustedProxies": "10.0.0.0/8"})")));
  CHECK(config.trusted_proxies == std::vector<std::string>{"192.0.2.7", "2001:db8::/32"});  // unchanged
}

TEST_CASE("externalUrl is a scheme and host[:port]; a path is refused saying why", "[app][forwarded]") {
  Config config;
  for (auto good :
       {"https://acme.example.test:443", "https://acme.example.test/", "http://[2001:db8::1]:8080", ""}) {
    CAPTURE(good);
    CHECK(cobble::app::apply_text(config, "externalUrl", good));
  }
  auto path = cobble::app::apply_text(config, "externalUrl", "https://proxy.example.test/acme");
  REQUIRE_FALSE(path);
  CHECK_THAT(path.error().message, Catch::Contains("externalUrl") &&
                                       Catch::Contains("has a path (\"/acme\")") &&
                                       Catch::Contains("https://proxy.example.test\""));
  for (auto bad : {"acme.example.test", "ftp://acme.example.test", "https://user@acme.example.test",
                   "https://acme example.test", "https://acme.example.test:https", "https://"}) {
    CAPTURE(bad);
    auto refused = cobble::app::apply_text(config, "externalUrl", bad);
    REQUIRE_FALSE(refused);
    CHECK_THAT(refused.error().message, Catch::Contains("must look like https://host[:port]"));
  }
}
