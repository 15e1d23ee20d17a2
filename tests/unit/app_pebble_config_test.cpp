#include <catch2/catch.hpp>
#include <fstream>

#include "app/config.hpp"
#include "app/pebble_config.hpp"
#include "support/temp_dir.hpp"

using cobble::app::Config;
using nlohmann::json;

namespace {

std::string write_file(const cobble::test::TempDir& dir, const std::string& text) {
  auto path = (dir.path() / "pebble-config.json").string();
  std::ofstream(path) << text;
  return path;
}

bool warned_about(const cobble::app::PebbleTranslation& t, const std::string& what) {
  for (const auto& w : t.warnings)
    if (w.find(what) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("a Pebble config file's keys become Cobble settings", "[app][pebble]") {
  cobble::test::TempDir dir;
  auto path = write_file(dir, R"({"pebble": {
    "listenAddress": "127.0.0.1:24000",
    "managementListenAddress": "127.0.0.1:25000",
    "certificate": "test/certs/localhost/cert.pem",
    "privateKey": "test/certs/localhost/key.pem",
    "httpPort": 5002,
    "tlsPort": 5001,
    "domainBlocklist": ["blocked-domain.example"],
    "retryAfter": {"authz": 3, "order": 5},
    "keyAlgorithm": "rsa",
    "caaIdentities": ["pebble.letsencrypt.org"]
  }})");
  Config config;
  REQUIRE(cobble::app::apply_file(config, path));
  CHECK(config.listen_address == "127.0.0.1:24000");
  CHECK(config.management_listen_address == "127.0.0.1:25000");
  CHECK(config.certificate == "test/certs/localhost/cert.pem");
  CHECK(config.private_key == "test/certs/localhost/key.pem");
  CHECK(config.http_port == 5002);
  CHECK(config.tls_port == 5001);
  CHECK(config.domain_blocklist == std::vector<std::string>{"blocked-domain.example"});
  CHECK(config.retry_after_authz_seconds == 3);
  CHECK(config.retry_after_order_seconds == 5);
  CHECK(config.ca_key_algorithm == "rsa");
  CHECK(config.caa_identities == std::vector<std::string>{"pebble.letsencrypt.org"});
}

TEST_CASE("Pebble keys match case-insensitively, as Go's JSON decoder does", "[app][pebble]") {
  auto t = cobble::app::translate_pebble_config(
      json::parse(R"({"LISTENADDRESS": "0.0.0.0:14000", "httpport": 80, "RetryAfter": {"Authz": 1}})"));
  CHECK(t.warnings.empty());
  CHECK(t.settings == json::parse(R"({"listenAddress": "0.0.0.0:14000", "httpPort": 80,
                                      "retryAfterAuthzSeconds": 1})"));
}

TEST_CASE("a null managementListenAddress turns the management listener off", "[app][pebble]") {
  auto t = cobble::app::translate_pebble_config(json::parse(R"({"managementListenAddress": null})"));
  CHECK(t.settings["managementListenAddress"] == "");
}

TEST_CASE("Pebble keys Cobble does not honour are named in a warning, not fatal", "[app][pebble]") {
  auto t = cobble::app::translate_pebble_config(json::parse(
      R"({"certificateValidityPeriod": 157766400, "noSuchKey": 1, "retryAfter": {"authz": 1, "ari": 9},
          "httpPort": 5002})"));
  CHECK(warned_about(t, "certificateValidityPeriod"));
  CHECK(warned_about(t, "noSuchKey"));
  CHECK(warned_about(t, "retryAfter.ari"));
  CHECK(t.settings == json::parse(R"({"httpPort": 5002, "retryAfterAuthzSeconds": 1})"));

  cobble::test::TempDir dir;
  Config config;
  REQUIRE(cobble::app::apply_file(
      config, write_file(dir, R"({"pebble": {"certificateValidityPeriod": 1, "tlsPort": 5001}})")));
  CHECK(config.tls_port == 5001);
}

TEST_CASE("a Pebble value of the wrong type is refused with the key's name", "[app][pebble]") {
  auto [text, key] = GENERATE(table<std::string, std::string>({
      {R"({"pebble": {"httpPort": "5002"}})", "httpPort"},
      {R"({"pebble": {"domainBlocklist": "blocked.example"}})", "domainBlocklist"},
      {R"({"pebble": {"retryAfter": {"order": "soon"}}})", "retryAfterOrderSeconds"},
  }));
  CAPTURE(text);
  cobble::test::TempDir dir;
  Config config;
  auto r = cobble::app::apply_file(config, write_file(dir, text));
  REQUIRE_FALSE(r);
  CHECK_THAT(r.error().message, Catch::Contains(key) && Catch::Contains("pebble-config.json"));
}

TEST_CASE("Cobble keys beside the pebble object apply on top of it", "[app][pebble]") {
  cobble::test::TempDir dir;
  Config config;
  REQUIRE(cobble::app::apply_file(
      config, write_file(dir, R"({"pebble": {"httpPort": 5002}, "httpPort": 8080, "logLevel": "debug"})")));
  CHECK(config.http_port == 8080);
  CHECK(config.log_level == "debug");
}

TEST_CASE("Pebble mode (--pebble-compat) starts from Pebble's defaults, and the environment still wins",
          "[app][pebble]") {
  Config config;
  cobble::app::apply_pebble_defaults(config);
  CHECK(config.pebble_compat);
  CHECK(config.database == ":memory:");
  CHECK_FALSE(config.ca_persist);
  CHECK(config.orders_per_page == 3);
  CHECK(config.nonce_reject_percent == 5);
  CHECK(config.authz_reuse_percent == 50);
  CHECK(config.http_port == 5002);
  CHECK(config.tls_port == 5001);
  CHECK(config.require_terms_of_service);
  CHECK(config.terms_refusal == "agreementRequired");  // Pebble's draft problem type
  CHECK(config.finalize_answers_processing);           // Pebble issues in the background
  CHECK(config.revocation_reasons.empty());            // Pebble takes every reason
  REQUIRE(cobble::app::apply_env(config, {{"PEBBLE_WFE_NONCEREJECT", "0"}, {"PEBBLE_VA_NOSLEEP", "1"}}));
  CHECK(config.nonce_reject_percent == 0);
  CHECK(config.va_sleep_seconds == 0);
}

TEST_CASE("Pebble's environment variables read as Pebble reads them", "[app][pebble]") {
  Config config;
  config.va_sleep_seconds = 5;
  REQUIRE(cobble::app::apply_env(config, {{"PEBBLE_VA_NOSLEEP", "TRUE"},
                                          {"PEBBLE_VA_ALWAYS_VALID", "True"},
                                          {"PEBBLE_WFE_NONCEREJECT", "15"},
                                          {"PEBBLE_AUTHZREUSE", "0"},
                                          {"PEBBLE_WFE_ORDERS_PER_PAGE", "7"}}));
  CHECK(config.va_sleep_seconds == 0);
  CHECK(config.always_valid);
  CHECK(config.nonce_reject_percent == 15);
  CHECK(config.authz_reuse_percent == 0);
  CHECK(config.orders_per_page == 7);
  // Pebble: any other value is false, not an error.
  REQUIRE(cobble::app::apply_env(config, {{"PEBBLE_VA_ALWAYS_VALID", "no"}}));
  CHECK_FALSE(config.always_valid);
  auto bad = cobble::app::apply_env(config, {{"PEBBLE_WFE_NONCEREJECT", "lots"}});
  REQUIRE_FALSE(bad);
  CHECK_THAT(bad.error().message, Catch::Contains("PEBBLE_WFE_NONCEREJECT"));
}

TEST_CASE("chaos settings are checked when the configuration is read", "[app][chaos]") {
  Config config;
  REQUIRE(cobble::app::apply_json(config, json::parse(R"({"chaos": {"newOrder": {"rateLimited": 0.5}}})")));
  CHECK(config.chaos["newOrder"]["rateLimited"] == 0.5);
  auto r = cobble::app::apply_json(config, json::parse(R"({"chaos": {"newOrdr": {"rateLimited": 0.5}}})"));
  REQUIRE_FALSE(r);
  CHECK_THAT(r.error().message, Catch::Contains("chaos") && Catch::Contains("newOrdr"));
  REQUIRE(cobble::app::apply_text(config, "chaos", R"({"finalize": {"delayMs": 100}})"));
  CHECK(config.chaos["finalize"]["delayMs"] == 100);
  CHECK_FALSE(cobble::app::apply_text(config, "chaos", "{not json"));
}
