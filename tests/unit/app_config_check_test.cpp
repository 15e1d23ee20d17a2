#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "app/config.hpp"
#include "app/config_check.hpp"

using cobble::app::check_config;
using cobble::app::Config;

namespace {
// The message of the first check a configuration with `settings` applied fails, or "" when it passes.
std::string refusal(const char* settings) {
  Config config;
  REQUIRE(cobble::app::apply_json(config, nlohmann::json::parse(settings)));
  auto checked = check_config(config);
  return checked ? "" : checked.error().message;
}
}  // namespace

TEST_CASE("the default configuration and a typical one pass the whole-configuration check", "[app][config]") {
  CHECK(refusal("{}").empty());
  CHECK(refusal(R"({"keyAlgorithm": "rsa", "httpPort": 5002, "tlsPort": 5001, "nonceRejectPercent": 15,
                    "externalAccountMACKeys": {"kid-1": "c2Vjb25kLWtleQ=="}})")
            .empty());
}

TEST_CASE("values out of range and settings that disagree are refused by name", "[app][config]") {
  CHECK_THAT(refusal(R"({"keyAlgorithm": "dsa"})"), Catch::Contains("'keyAlgorithm'"));
  CHECK_THAT(refusal(R"({"httpPort": 0})"), Catch::Contains("'httpPort'"));
  CHECK_THAT(refusal(R"({"tlsPort": 70000})"), Catch::Contains("'tlsPort'"));
  CHECK_THAT(refusal(R"({"nonceRejectPercent": 101})"),
             Catch::Contains("'nonceRejectPercent' must be 0-100"));
  CHECK_THAT(refusal(R"({"externalAccountMACKeys": {"kid-1": "not base64url!"}})"),
             Catch::Contains("the key of \"kid-1\""));
  CHECK_THAT(refusal(R"({"externalAccountMACKeys": {"kid-1": ""}})"), Catch::Contains("non-empty base64url"));
  CHECK_THAT(refusal(R"({"termsRefusal": "agreement"})"),
             Catch::Contains(
                 "'termsRefusal' must be \"userActionRequired\", \"agreementRequired\" or \"malformed\""));
  CHECK(refusal(R"({"termsRefusal": "agreementRequired"})").empty());
  CHECK_THAT(refusal(R"({"logFormat": "JSON"})"),
             Catch::Contains("'logFormat' must be \"text\" or \"json\""));
  CHECK(refusal(R"({"logFormat": "json"})").empty());
  CHECK_THAT(refusal(R"({"defaultProfile": "shortlived"})"),
             Catch::Contains("'defaultProfile' names \"shortlived\", which is not in 'profiles'"));
}

TEST_CASE("revocationReasons takes RFC 5280's usable codes only", "[app][config]") {
  Config config;
  REQUIRE(cobble::app::apply_json(config, nlohmann::json::parse(R"({"revocationReasons": [0, 1, 4, 5]})")));
  CHECK(config.revocation_reasons == nlohmann::json::parse("[0, 1, 4, 5]"));
  auto bad = GENERATE(as<std::string>{}, R"([7])", R"([11])", R"([-1])", R"(["1"])", R"(4)");
  CAPTURE(bad);
  auto refused =
      cobble::app::apply_json(config, nlohmann::json::parse(R"({"revocationReasons": )" + bad + "}"));
  REQUIRE_FALSE(refused);
  CHECK_THAT(refused.error().message, Catch::Contains("revocationReasons"));
}

TEST_CASE("certificatePolicies takes dotted OIDs only", "[app][config]") {
  Config config;
  REQUIRE(cobble::app::apply_json(config,
                                  nlohmann::json::parse(R"({"certificatePolicies": ["2.23.140.1.2.1"]})")));
  CHECK(config.certificate_policies == std::vector<std::string>{"2.23.140.1.2.1"});
  auto bad = GENERATE(as<std::string>{}, R"(["dv"])", R"(["3.1"])", R"(["2"])", R"(["2..1"])", R"(["2.23."])",
                      R"([1])", R"("2.23.140.1.2.1")");
  CAPTURE(bad);
  auto refused =
      cobble::app::apply_json(config, nlohmann::json::parse(R"({"certificatePolicies": )" + bad + "}"));
  REQUIRE_FALSE(refused);
  CHECK_THAT(refused.error().message, Catch::Contains("certificatePolicies"));
}

TEST_CASE("decoded MAC keys tolerate Pebble's trailing padding", "[app][config]") {
  Config config;
  config.external_account_mac_keys = {{"kid-1", "c2Vjb25kLWtleQ=="}, {"kid-2", "c2Vjb25kLWtleQ"}};
  auto keys = cobble::app::decode_mac_keys(config);
  REQUIRE(keys);
  CHECK(keys->at("kid-1") == "second-key");
  CHECK(keys->at("kid-2") == "second-key");
}
