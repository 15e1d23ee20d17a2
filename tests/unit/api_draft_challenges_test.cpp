#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "support/test_ca.hpp"

// dns-account-01 and dns-persist-01 through the ACME API: offered only when enabled, how they are
// shown, and the account URL the validation is handed.

using cobble::test::body_of;
using cobble::test::TestCa;
using cobble::test::TestClient;

namespace {

cobble::authority::Policy drafts_enabled() {
  cobble::authority::Policy p;
  p.dns_account01_enabled = true;
  p.dns_persist01_enabled = true;
  p.issuer_domain_names = {"ca.example", "cobble.test"};
  return p;
}

struct Fixture {
  TestCa ca;
  TestClient client{ca};
  explicit Fixture(cobble::authority::Policy policy = {}) : ca(std::move(policy)) {
    REQUIRE(client.register_account().status == 201);
  }
  nlohmann::json authz_for(const std::string& name) {
    auto created = client.new_order({name});
    REQUIRE(created.status == 201);
    return body_of(client.post_as_get(body_of(created)["authorizations"][0].get<std::string>()));
  }
};

std::vector<std::string> types_of(const nlohmann::json& authz) {
  std::vector<std::string> types;
  for (const auto& c : authz["challenges"]) types.push_back(c["type"].get<std::string>());
  return types;
}

}  // namespace

TEST_CASE("draft challenge types are not offered unless enabled", "[api][drafts]") {
  Fixture f;
  CHECK(types_of(f.authz_for("a.example")) == std::vector<std::string>{"http-01", "dns-01", "tls-alpn-01"});
  CHECK(types_of(f.authz_for("*.a.example")) == std::vector<std::string>{"dns-01"});
}

TEST_CASE("enabled, dns-account-01 and dns-persist-01 are offered for names and wildcards, not for IPs",
          "[api][drafts]") {
  Fixture f(drafts_enabled());
  CHECK(types_of(f.authz_for("a.example")) ==
        std::vector<std::string>{"http-01", "dns-01", "tls-alpn-01", "dns-account-01", "dns-persist-01"});
  CHECK(types_of(f.authz_for("*.a.example")) ==
        std::vector<std::string>{"dns-01", "dns-account-01", "dns-persist-01"});
  CHECK(types_of(f.authz_for("192.0.2.1")) == std::vector<std::string>{"http-01", "tls-alpn-01"});
}

TEST_CASE("a dns-persist-01 challenge shows issuer-domain-names and accounturi instead of a token",
          "[api][drafts]") {
  Fixture f(drafts_enabled());
  auto authz = f.authz_for("p.example");
  for (const auto& c : authz["challenges"]) {
    if (c["type"] == "dns-persist-01") {
      CHECK_FALSE(c.contains("token"));
      CHECK(c["accounturi"] == f.client.kid);
      CHECK(c["issuer-domain-names"] == nlohmann::json::array({"ca.example", "cobble.test"}));
      auto posted = f.client.post_to(c["url"].get<std::string>(), nlohmann::json::object());
      REQUIRE(posted.status == 200);
      CHECK(body_of(posted)["accounturi"] == f.client.kid);
    } else {
      CHECK(c.contains("token"));
    }
  }
}

TEST_CASE("a validation is handed the account URL on the base URL the client used", "[api][drafts]") {
  Fixture f(drafts_enabled());
  auto authz = f.authz_for("acct.example");
  for (const auto& c : authz["challenges"])
    if (c["type"] == "dns-account-01")
      f.client.post_to(c["url"].get<std::string>(), nlohmann::json::object());
  REQUIRE(f.ca.scheduler.tasks.size() == 1);
  CHECK(f.ca.scheduler.tasks[0].type == "dns-account-01");
  CHECK(f.ca.scheduler.tasks[0].account_url == f.client.kid);
  CHECK(f.client.kid.starts_with(f.ca.base_url + "/acme/acct/"));
}
