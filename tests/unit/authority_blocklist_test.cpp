#include <catch2/catch.hpp>

#include "authority/blocklist.hpp"
#include "support/test_ca.hpp"

using namespace cobble;
using acme::Identifier;
using test::TestCa;
using test::TestClient;

TEST_CASE("the blocklist refuses a blocked name and its subdomains, nothing else", "[authority][blocklist]") {
  std::vector<std::string> blocklist{"Blocked-Domain.Example."};
  auto [name, blocked] = GENERATE(table<std::string, bool>({
      {"blocked-domain.example", true},
      {"www.blocked-domain.example", true},
      {"a.b.blocked-domain.example", true},
      {"*.blocked-domain.example", true},
      {"notblocked-domain.example", false},
      {"blocked-domain.example.com", false},
      {"example", false},  // fewer labels than the entry (Pebble panics here)
  }));
  CAPTURE(name);
  auto r = authority::check_blocklist(blocklist, {{"dns", name}});
  CHECK(r.has_value() == !blocked);
}

TEST_CASE("IP identifiers are never blocked", "[authority][blocklist]") {
  CHECK(authority::check_blocklist({"127.0.0.1"}, {{"ip", "127.0.0.1"}}));
}

TEST_CASE("newOrder refuses blocked names with rejectedIdentifier, one subproblem per name",
          "[authority][blocklist]") {
  authority::Policy policy;
  policy.domain_blocklist = {"blocked.example", "evil.test"};
  TestCa ca(policy);
  TestClient client(ca);
  REQUIRE(client.register_account().status == 201);
  auto reply = client.new_order({"ok.example", "www.blocked.example", "evil.test"});
  CHECK(reply.status == 400);
  CHECK(test::problem_type(reply) == "rejectedIdentifier");
  auto body = test::body_of(reply);
  CHECK_THAT(body["detail"].get<std::string>(),
             Catch::Contains("www.blocked.example") && Catch::Contains("evil.test"));
  REQUIRE(body["subproblems"].size() == 2);
  CHECK(body["subproblems"][0]["identifier"] ==
        nlohmann::json{{"type", "dns"}, {"value", "www.blocked.example"}});
  CHECK(body["subproblems"][0]["type"] == "urn:ietf:params:acme:error:rejectedIdentifier");
  CHECK_THAT(body["subproblems"][0]["detail"].get<std::string>(), Catch::Contains("blocked.example"));
  CHECK(body["subproblems"][1]["identifier"]["value"] == "evil.test");
  CHECK_FALSE(reply.header("Replay-Nonce").empty());

  CHECK(client.new_order({"ok.example"}).status == 201);
}

TEST_CASE("Retry-After on a processing challenge and its authz follows retryAfterAuthzSeconds; 0 sends none",
          "[api][pebble]") {
  auto seconds = GENERATE(0, 3);
  CAPTURE(seconds);
  authority::Policy policy;
  policy.retry_after_authz_seconds = seconds;
  TestCa ca(policy);
  ca.scheduler.challenges = nullptr;  // validations stay processing
  TestClient client(ca);
  REQUIRE(client.register_account().status == 201);
  auto order = test::body_of(client.new_order({"slow.example"}));
  auto authz_url = order["authorizations"][0].get<std::string>();
  auto authz = test::body_of(client.post_as_get(authz_url));
  std::string challenge_url;
  for (const auto& c : authz["challenges"])
    if (c["type"] == "http-01") challenge_url = c["url"];
  auto started = client.post_to(challenge_url, nlohmann::json::object());
  REQUIRE(test::body_of(started)["status"] == "processing");
  std::string expected = seconds ? std::to_string(seconds) : "";
  CHECK(started.header("Retry-After") == expected);
  CHECK(client.post_as_get(authz_url).header("Retry-After") == expected);
}
