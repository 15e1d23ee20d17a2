// vaRemotePerspectives and vaRemoteQuorum: named perspectives, Pebble's unnamed attempts, and
// every refusal naming the setting.
#include <catch2/catch.hpp>

#include "app/config.hpp"
#include "app/config_check.hpp"
#include "app/perspectives_config.hpp"

using cobble::app::Config;
using cobble::app::corroboration_from;
using cobble::app::perspective_count;

namespace {

Config with(const nlohmann::json& settings) {
  Config config;
  auto applied = cobble::app::apply_json(config, settings);
  CAPTURE(settings.dump());
  REQUIRE(applied);
  return config;
}

std::string refusal(const nlohmann::json& settings) {
  Config config;
  auto applied = cobble::app::apply_json(config, settings);
  if (!applied) return applied.error().message;
  auto rule = corroboration_from(config);
  return rule ? "" : rule.error().message;
}

}  // namespace

TEST_CASE("named remote perspectives carry their region and source address", "[app]") {
  auto config = with({{"vaRemotePerspectives",
                       {{{"name", "us-east"}, {"rir", "ARIN"}, {"sourceAddress", "127.0.0.2"}},
                        {{"name", "eu-central"}, {"rir", "RIPE"}}}},
                      {"vaRemoteQuorum", 1}});
  auto rule = corroboration_from(config);
  REQUIRE(rule);
  REQUIRE(rule->remotes.size() == 2);
  CHECK(rule->remotes[0].name == "us-east");
  CHECK(rule->remotes[0].rir == "ARIN");
  CHECK(rule->remotes[0].source_address == "127.0.0.2");
  CHECK(rule->remotes[1].source_address.empty());
  CHECK(rule->quorum == 1);
  CHECK(perspective_count(config) == 3);
}

TEST_CASE("vaPerspectives alone means unnamed remotes that must all pass", "[app]") {
  auto config = with({{"vaPerspectives", 3}});
  auto rule = corroboration_from(config);
  REQUIRE(rule);
  REQUIRE(rule->remotes.size() == 2);
  CHECK(rule->remotes[1].name == "remote-2");
  CHECK(rule->quorum == 0);
  CHECK(perspective_count(Config{}) == 1);
}

TEST_CASE("bad remote perspective settings are refused naming what is wrong", "[app]") {
  CHECK_THAT(refusal({{"vaRemotePerspectives", {{"name", "x"}}}}), Catch::Contains("must be a JSON list"));
  CHECK_THAT(refusal({{"vaRemotePerspectives", {"x"}}}), Catch::Contains("each entry must be an object"));
  CHECK_THAT(refusal({{"vaRemotePerspectives", {{{"rir", "ARIN"}}}}}), Catch::Contains("needs a \"name\""));
  CHECK_THAT(refusal({{"vaRemotePerspectives", {{{"name", "a"}}, {{"name", "a"}}}}}),
             Catch::Contains("used twice"));
  CHECK_THAT(refusal({{"vaRemotePerspectives", {{{"name", "primary"}}}}}), Catch::Contains("used twice"));
  CHECK_THAT(refusal({{"vaRemotePerspectives", {{{"name", "a"}, {"region", "eu"}}}}}),
             Catch::Contains("unknown key 'region'"));
  CHECK_THAT(refusal({{"vaRemotePerspectives", {{{"name", "a"}, {"sourceAddress", "here"}}}}}),
             Catch::Contains("\"here\" is not an IP address"));
  CHECK_THAT(refusal({{"vaRemotePerspectives", {{{"name", "a"}}}}, {"vaRemoteQuorum", 2}}),
             Catch::Contains("'vaRemoteQuorum' must be 0 (all) to the number of remote perspectives (1)"));
  CHECK_THAT(refusal({{"vaRemotePerspectives", {{{"name", "a"}}}}, {"vaPerspectives", 3}}),
             Catch::Contains("leave it at 1 or make it 2"));
  CHECK(refusal({{"vaRemotePerspectives", {{{"name", "a"}}}}, {"vaPerspectives", 2}}).empty());
}
