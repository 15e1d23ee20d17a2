#include <catch2/catch.hpp>
#include <set>

#include "support/test_ca.hpp"

// Orders, authorizations and challenges through the in-process API (RFC 8555 §7.4, §7.5),
// validated at once by the fixture's ImmediateScheduler.

using cobble::acme::Problem;
using cobble::acme::ProblemType;
using cobble::test::body_of;
using cobble::test::problem_type;
using cobble::test::TestCa;
using cobble::test::TestClient;

namespace {

const std::string kBase = "https://ca.test:14000";
constexpr int kAbsent = -100000;  // hours: "leave the member out"

struct Fixture {
  TestCa ca;
  TestClient client{ca};
  explicit Fixture(cobble::authority::Policy policy = {}) : ca(std::move(policy)) {
    REQUIRE(client.register_account().status == 201);
  }
  nlohmann::json get(const std::string& url) {
    auto reply = client.post_as_get(url);
    REQUIRE(reply.status == 200);
    return body_of(reply);
  }
  // The challenge of `type` in the authorization at `authz_url`.
  nlohmann::json challenge(const std::string& authz_url, const std::string& type) {
    auto authz = get(authz_url);
    for (const auto& c : authz["challenges"])
      if (c["type"] == type) return c;
    FAIL("no " << type << " challenge in " << authz_url);
    return {};
  }
};

std::set<std::string> challenge_types(const nlohmann::json& authz) {
  std::set<std::string> types;
  for (const auto& c : authz["challenges"]) types.insert(c["type"].get<std::string>());
  return types;
}

std::string rfc3339_in(TestCa& ca, int hours) {
  return cobble::common::to_rfc3339(ca.clock.now() + std::chrono::hours(hours));
}

}  // namespace

TEST_CASE("newOrder creates a pending order with one authorization of three challenges per name", "[api]") {
  Fixture f;
  auto reply = f.client.new_order({"www.example.com", "Example.COM"});
  REQUIRE(reply.status == 201);
  auto location = std::string(reply.header("Location"));
  CHECK(location.starts_with(kBase + "/acme/order/"));
  auto order = body_of(reply);
  CHECK(order["status"] == "pending");
  CHECK(order["finalize"] == location + "/finalize");
  CHECK(order.contains("expires"));
  CHECK_FALSE(order.contains("certificate"));
  nlohmann::json ids = {{{"type", "dns"}, {"value", "www.example.com"}},
                        {{"type", "dns"}, {"value", "example.com"}}};
  CHECK(order["identifiers"] == ids);
  CHECK(f.get(location) == order);

  REQUIRE(order["authorizations"].size() == 2);
  for (std::size_t i = 0; i < 2; ++i) {
    auto authz = f.get(order["authorizations"][i]);
    CAPTURE(authz.dump());
    CHECK(authz["status"] == "pending");
    CHECK(authz["identifier"] == ids[i]);
    CHECK_FALSE(authz.contains("wildcard"));
    CHECK(challenge_types(authz) == std::set<std::string>{"http-01", "dns-01", "tls-alpn-01"});
    for (const auto& c : authz["challenges"]) {
      CHECK(c["status"] == "pending");
      CHECK(c["url"].get<std::string>().starts_with(kBase + "/acme/chall/"));
      CHECK(c["token"].get<std::string>().size() >= 22);
    }
  }
}

TEST_CASE("a wildcard name gets a dns-01-only authorization for the base name marked wildcard", "[api]") {
  Fixture f;
  auto reply = f.client.new_order({"*.example.com", "example.com"});
  REQUIRE(reply.status == 201);
  auto order = body_of(reply);
  CHECK(order["identifiers"][0]["value"] == "*.example.com");
  REQUIRE(order["authorizations"].size() == 2);
  auto wildcard = f.get(order["authorizations"][0]);
  CHECK(wildcard["wildcard"] == true);
  CHECK(wildcard["identifier"]["value"] == "example.com");
  CHECK(challenge_types(wildcard) == std::set<std::string>{"dns-01"});
  auto plain = f.get(order["authorizations"][1]);
  CHECK_FALSE(plain.contains("wildcard"));
  CHECK(challenge_types(plain).size() == 3);
  CHECK(order["authorizations"][0] != order["authorizations"][1]);
}

TEST_CASE("newOrder lists each rejected identifier as a subproblem", "[api]") {
  Fixture f;
  auto reply = f.client.new_order({"good.example.com", "-bad.example.com", "under_score.example.com"});
  CHECK(reply.status == 400);
  CHECK(problem_type(reply) == "rejectedIdentifier");
  auto subproblems = body_of(reply)["subproblems"];
  REQUIRE(subproblems.size() == 2);
  CHECK(subproblems[0]["identifier"] == nlohmann::json{{"type", "dns"}, {"value", "-bad.example.com"}});
  CHECK(subproblems[1]["identifier"]["value"] == "under_score.example.com");
  CHECK(subproblems[0]["type"] == "urn:ietf:params:acme:error:rejectedIdentifier");
}

TEST_CASE("newOrder refuses identifier lists it cannot issue for", "[api]") {
  Fixture f;
  auto [what, identifiers, type] = GENERATE(table<std::string, nlohmann::json, std::string>({
      {"an ip identifier that is no address",
       {{{"type", "ip"}, {"value", "10.0.0.256"}}},
       "rejectedIdentifier"},
      {"an email identifier", {{{"type", "email"}, {"value", "a@example.com"}}}, "unsupportedIdentifier"},
      {"an empty list", nlohmann::json::array(), "malformed"},
      {"a string", "example.com", "malformed"},
      {"an identifier without value", {{{"type", "dns"}}}, "malformed"},
      {"an IP address as a dns name", {{{"type", "dns"}, {"value", "10.0.0.1"}}}, "rejectedIdentifier"},
  }));
  CAPTURE(what);
  auto reply = f.client.post("/acme/new-order", {{"identifiers", identifiers}});
  CHECK(reply.status == 400);
  CHECK(problem_type(reply) == type);
  CHECK(f.client.post("/acme/new-order", nlohmann::json::object()).status == 400);
}

TEST_CASE("newOrder checks notBefore and notAfter", "[api]") {
  Fixture f;
  auto [what, before, after, ok] = GENERATE(table<std::string, int, int, bool>({
      {"both in range", 1, 24 * 30, true},
      {"only notAfter", kAbsent, 24 * 30, true},
      {"reversed", 48, 24, false},
      {"equal", 24, 24, false},
      {"notAfter in the past", kAbsent, -1, false},
      {"longer than the maximum", 0, 24 * 101, false},
      {"notBefore too far ahead", 24 * 3, 24 * 30, false},
      {"notBefore now", 0, 24 * 30, true},
      {"notBefore backdated by two hours", -2, 24 * 30, false},
      {"notBefore backdated by four days", -24 * 4, 24 * 30, false},
  }));
  CAPTURE(what);
  nlohmann::json payload = {{"identifiers", {{{"type", "dns"}, {"value", "a.example.com"}}}}};
  if (before != kAbsent) payload["notBefore"] = rfc3339_in(f.ca, before);
  if (after != kAbsent) payload["notAfter"] = rfc3339_in(f.ca, after);
  auto reply = f.client.post("/acme/new-order", payload);
  if (ok) {
    CHECK(reply.status == 201);
    CHECK(body_of(reply)["notAfter"] == payload["notAfter"]);
  } else {
    CHECK(reply.status == 400);
    CHECK(problem_type(reply) == "malformed");
  }
}

TEST_CASE("with acceptOrderValidity off, notBefore and notAfter are refused as Let's Encrypt does", "[api]") {
  cobble::authority::Policy policy;
  policy.accept_order_validity = false;
  Fixture f(policy);
  auto member = GENERATE(as<std::string>{}, "notBefore", "notAfter");
  nlohmann::json payload = {{"identifiers", {{{"type", "dns"}, {"value", "a.example.com"}}}},
                            {member, rfc3339_in(f.ca, member == "notBefore" ? 1 : 24 * 30)}};
  auto reply = f.client.post("/acme/new-order", payload);
  CHECK(reply.status == 400);
  CHECK(problem_type(reply) == "malformed");
  CHECK_THAT(body_of(reply)["detail"].get<std::string>(),
             Catch::Contains("does not accept notBefore or notAfter"));
  payload.erase(member);
  CHECK(f.client.post("/acme/new-order", payload).status == 201);
}

TEST_CASE("newOrder refuses notBefore and notAfter that are not RFC 3339 strings", "[api]") {
  Fixture f;
  auto value = GENERATE(nlohmann::json("tomorrow"), nlohmann::json("2030-13-01T00:00:00Z"),
                        nlohmann::json(1700000000));
  auto member = GENERATE(as<std::string>{}, "notBefore", "notAfter");
  CAPTURE(value.dump(), member);
  nlohmann::json payload = {{"identifiers", {{{"type", "dns"}, {"value", "a.example.com"}}}},
                            {member, value}};
  auto reply = f.client.post("/acme/new-order", payload);
  CHECK(reply.status == 400);
  CHECK(problem_type(reply) == "malformed");
}

TEST_CASE("answering a challenge replies processing with an up link, then the order is ready", "[api]") {
  Fixture f;
  auto order_url = std::string(f.client.new_order({"a.example.com"}).header("Location"));
  auto authz_url = f.get(order_url)["authorizations"][0].get<std::string>();
  auto challenge = f.challenge(authz_url, "http-01");

  auto reply = f.client.post_to(challenge["url"], nlohmann::json::object());
  REQUIRE(reply.status == 200);
  CHECK(body_of(reply)["status"] == "processing");
  CHECK(cobble::test::link_target(reply, "up") == authz_url);
  CHECK(reply.header("Retry-After") == "1");

  REQUIRE(f.ca.scheduler.tasks.size() == 1);
  const auto& task = f.ca.scheduler.tasks[0];
  CHECK(task.type == "http-01");
  CHECK(task.identifier.value == "a.example.com");
  CHECK(task.token == challenge["token"]);
  CHECK(task.key_authorization == cobble::acme::key_authorization(task.token, f.client.key.public_key()));

  auto authz = f.get(authz_url);
  CHECK(authz["status"] == "valid");
  REQUIRE(authz["challenges"].size() == 1);  // §7.1.4: only the challenge that validated it
  CHECK(authz["challenges"][0]["status"] == "valid");
  CHECK(authz["challenges"][0].contains("validated"));
  CHECK(f.get(order_url)["status"] == "ready");
}

TEST_CASE("a failed validation makes the challenge, the authorization and the order invalid", "[api]") {
  Fixture f;
  f.ca.scheduler.failure = Problem::make(ProblemType::connection, "Connection refused");
  auto order_url = std::string(f.client.new_order({"a.example.com"}).header("Location"));
  auto authz_url = f.get(order_url)["authorizations"][0].get<std::string>();
  auto challenge = f.challenge(authz_url, "dns-01");
  REQUIRE(f.client.post_to(challenge["url"], nlohmann::json::object()).status == 200);

  auto after = f.get(challenge["url"]);
  CHECK(after["status"] == "invalid");
  CHECK(after["error"]["type"] == "urn:ietf:params:acme:error:connection");
  CHECK(after["error"]["detail"] == "Connection refused");
  CHECK(f.get(authz_url)["status"] == "invalid");
  auto order = f.get(order_url);
  CHECK(order["status"] == "invalid");
  CHECK(order.contains("error"));

  auto other = f.challenge(authz_url, "http-01");
  auto retry = f.client.post_to(other["url"], nlohmann::json::object());
  CHECK(retry.status == 400);
  CHECK(problem_type(retry) == "malformed");
}

TEST_CASE("a second POST to a challenge returns its current state without validating again", "[api]") {
  Fixture f;
  auto order_url = f.client.ready_order({"a.example.com"});
  auto authz_url = f.get(order_url)["authorizations"][0].get<std::string>();
  auto challenge = f.get(authz_url)["challenges"][0];
  REQUIRE(f.ca.scheduler.tasks.size() == 1);
  auto again = f.client.post_to(challenge["url"], nlohmann::json::object());
  CHECK(again.status == 200);
  CHECK(body_of(again)["status"] == "valid");
  CHECK(cobble::test::link_target(again, "up") == authz_url);
  CHECK(f.ca.scheduler.tasks.size() == 1);
}

TEST_CASE("an authorization can be deactivated once, which invalidates its order", "[api]") {
  Fixture f;
  auto order_url = std::string(f.client.new_order({"a.example.com"}).header("Location"));
  auto authz_url = f.get(order_url)["authorizations"][0].get<std::string>();
  auto bad = f.client.post_to(authz_url, {{"status", "valid"}});
  CHECK(problem_type(bad) == "malformed");

  auto reply = f.client.post_to(authz_url, {{"status", "deactivated"}});
  REQUIRE(reply.status == 200);
  CHECK(body_of(reply)["status"] == "deactivated");
  CHECK(f.get(authz_url)["status"] == "deactivated");
  CHECK(f.get(order_url)["status"] == "invalid");
  auto twice = f.client.post_to(authz_url, {{"status", "deactivated"}});
  CHECK(twice.status == 400);
  CHECK(problem_type(twice) == "malformed");
}

TEST_CASE("a valid authorization is reused by the next order only as the policy says", "[api]") {
  auto percent = GENERATE(0, 100);
  CAPTURE(percent);
  cobble::authority::Policy policy;
  policy.authz_reuse_percent = percent;
  Fixture f(policy);
  auto first = f.get(f.client.ready_order({"a.example.com"}));
  auto second_reply = f.client.new_order({"a.example.com", "b.example.com"});
  REQUIRE(second_reply.status == 201);
  auto second = body_of(second_reply);
  if (percent == 100) {
    CHECK(second["authorizations"][0] == first["authorizations"][0]);
    CHECK(f.get(second["authorizations"][0])["status"] == "valid");
  } else {
    CHECK(second["authorizations"][0] != first["authorizations"][0]);
    CHECK(f.get(second["authorizations"][0])["status"] == "pending");
  }
  CHECK(second["authorizations"][1] != first["authorizations"][0]);
  CHECK(second["status"] == "pending");
}

TEST_CASE("a deactivated or expired authorization is never reused", "[api]") {
  Fixture f;
  auto what = GENERATE(as<std::string>{}, "deactivated", "expired");
  CAPTURE(what);
  auto first = f.get(f.client.ready_order({"a.example.com"}))["authorizations"][0].get<std::string>();
  if (what == "deactivated") {
    REQUIRE(f.client.post_to(first, {{"status", "deactivated"}}).status == 200);
  } else {
    f.ca.clock.advance(std::chrono::hours(24 * 31));
    CHECK(f.get(first)["status"] == "expired");
  }
  auto second = body_of(f.client.new_order({"a.example.com"}));
  CHECK(second["authorizations"][0] != first);
  CHECK(second["status"] == "pending");
}

TEST_CASE("a valid authorization for a name does not stand in for its wildcard", "[api]") {
  Fixture f;
  auto first = f.get(f.client.ready_order({"example.com"}));
  auto second = body_of(f.client.new_order({"*.example.com"}));
  CHECK(second["authorizations"][0] != first["authorizations"][0]);
  CHECK(f.get(second["authorizations"][0])["wildcard"] == true);
}

TEST_CASE("another account's order, authorization and challenge are unauthorized", "[api]") {
  Fixture f;
  auto order_url = std::string(f.client.new_order({"a.example.com"}).header("Location"));
  auto authz_url = f.get(order_url)["authorizations"][0].get<std::string>();
  auto challenge_url = f.get(authz_url)["challenges"][0]["url"].get<std::string>();
  TestClient mallory(f.ca);
  REQUIRE(mallory.register_account().status == 201);
  auto replies = {mallory.post_as_get(order_url), mallory.post_as_get(authz_url),
                  mallory.post_to(authz_url, {{"status", "deactivated"}}), mallory.post_as_get(challenge_url),
                  mallory.post_to(challenge_url, nlohmann::json::object())};
  for (const auto& reply : replies) {
    CAPTURE(reply.body);
    CHECK(reply.status == 403);
    CHECK(problem_type(reply) == "unauthorized");
  }
  CHECK(f.ca.scheduler.tasks.empty());
  CHECK(f.get(authz_url)["status"] == "pending");
}

TEST_CASE("an unknown order, authorization or challenge is 404", "[api]") {
  Fixture f;
  auto url = GENERATE(as<std::string>{}, kBase + "/acme/order/nope", kBase + "/acme/authz/nope",
                      kBase + "/acme/chall/nope", kBase + "/acme/cert/00ff");
  CAPTURE(url);
  auto reply = f.client.post_as_get(url);
  CHECK(reply.status == 404);
  CHECK(reply.content_type == "application/problem+json");
}

TEST_CASE("a pending order expires into invalid when its lifetime passes", "[api]") {
  Fixture f;
  auto order_url = std::string(f.client.new_order({"a.example.com"}).header("Location"));
  f.ca.clock.advance(std::chrono::hours(23));
  CHECK(f.get(order_url)["status"] == "pending");
  f.ca.clock.advance(std::chrono::hours(2));
  auto order = f.get(order_url);
  CHECK(order["status"] == "invalid");
  CHECK(order.contains("error"));
}

TEST_CASE("a ready order also expires into invalid", "[api]") {
  Fixture f;
  auto order_url = f.client.ready_order({"a.example.com"});
  CHECK(f.get(order_url)["status"] == "ready");
  f.ca.clock.advance(std::chrono::hours(25));
  CHECK(f.get(order_url)["status"] == "invalid");
}
