#include <catch2/catch.hpp>
#include <set>

#include "authority/renewal_info.hpp"
#include "ca/crl.hpp"
#include "support/test_ca.hpp"

// RFC 9773 (ARI): the renewalInfo resource, newOrder "replaces", and the management override.

using cobble::acme::PrivateKey;
using cobble::test::body_of;
using cobble::test::problem_type;
using cobble::test::TestCa;
using cobble::test::TestClient;
using namespace std::chrono_literals;

namespace {

struct Fixture {
  TestCa ca;
  TestClient client{ca};
  PrivateKey cert_key = PrivateKey::generate(PrivateKey::Kind::es256);
  Fixture() { REQUIRE(client.register_account().status == 201); }

  std::string key_id() { return ca.ca->issuers().front().key_identifier; }
  std::string serial_of(const nlohmann::json& order) {
    auto url = order["certificate"].get<std::string>();
    return url.substr(url.rfind('/') + 1);
  }
  // A certificate for `names`: its certID.
  std::string issue(const std::vector<std::string>& names) {
    auto order = client.valid_order(names, cert_key);
    return cobble::authority::make_cert_id(key_id(), serial_of(order));
  }
  cobble::api::Reply renewal_info(const std::string& cert_id) {
    return ca.send("GET", "/acme/renewal-info/" + cert_id, "", "");
  }
  cobble::api::Reply replace(TestClient& who, const std::vector<std::string>& names,
                             const nlohmann::json& id) {
    nlohmann::json ids = nlohmann::json::array();
    for (const auto& n : names) ids.push_back({{"type", "dns"}, {"value", n}});
    return who.post("/acme/new-order", {{"identifiers", ids}, {"replaces", id}});
  }
};

}  // namespace

TEST_CASE("the directory advertises renewalInfo", "[api][ari]") {
  Fixture f;
  auto dir = body_of(f.ca.send("GET", "/dir", "", ""));
  CHECK(dir["renewalInfo"] == "https://ca.test:14000/acme/renewal-info");
}

TEST_CASE("certIDs round-trip, with a leading zero byte for serials whose top bit is set",
          "[authority][ari]") {
  auto id = cobble::authority::make_cert_id("\x01\x02", "8a0f");
  CHECK(id == "AQI.AIoP");
  auto parsed = cobble::authority::parse_cert_id(id);
  REQUIRE(parsed);
  CHECK(parsed->key_id == "\x01\x02");
  CHECK(parsed->serial == "8a0f");
}

TEST_CASE("renewal info suggests Pebble's window around two thirds of the validity", "[api][ari]") {
  Fixture f;
  auto id = f.issue({"example.com"});
  auto reply = f.renewal_info(id);
  REQUIRE(reply.status == 200);
  CHECK(reply.header("Retry-After") == "21600");
  CHECK(reply.header("Content-Type").empty());  // set through content_type
  CHECK(reply.content_type == "application/json");
  auto body = body_of(reply);
  auto start = cobble::common::parse_rfc3339(body["suggestedWindow"]["start"].get<std::string>());
  auto end = cobble::common::parse_rfc3339(body["suggestedWindow"]["end"].get<std::string>());
  REQUIRE(start);
  REQUIRE(end);
  // Issued now - 1 h for 90 days - 1 s: two thirds is 60 days in, the window ±24 h around it.
  auto issued = f.ca.clock.now() - 1h;
  CHECK(*end - *start == 48h);
  CHECK(std::chrono::abs(*start - (issued + 59 * 24h)) < 1min);
}

TEST_CASE("renewal info's Retry-After is jittered as Let's Encrypt's when configured", "[api][ari]") {
  using cobble::authority::renewal_info_retry_after;
  CHECK(renewal_info_retry_after(0, 0.0) == 21600);
  CHECK(renewal_info_retry_after(0, 0.99) == 21600);
  CHECK(renewal_info_retry_after(20, 0.0) == 17280);  // 6 h - 20 %
  CHECK(renewal_info_retry_after(20, 0.5) == 21600);
  CHECK(renewal_info_retry_after(20, 0.999999) == 25920);  // 6 h + 20 %

  Fixture f;
  f.ca.policy.renewal_info_retry_jitter_percent = 20;
  auto id = f.issue({"example.com"});
  std::set<int> seen;
  for (int i = 0; i < 40; ++i) {
    auto reply = f.renewal_info(id);
    REQUIRE(reply.status == 200);
    int wait = std::stoi(std::string(reply.header("Retry-After")));
    CHECK(wait >= 17280);
    CHECK(wait <= 25920);
    seen.insert(wait);
  }
  CHECK(seen.size() > 1);  // 40 draws from ~8,600 values: equal ones would mean no jitter
}

TEST_CASE("renewal info says renew now for a revoked certificate", "[api][ari]") {
  Fixture f;
  auto order = f.client.valid_order({"example.com"}, f.cert_key);
  auto chain = f.client.post_as_get(order["certificate"].get<std::string>());
  auto der = cobble::ca::first_certificate_der(chain.body).value();
  REQUIRE(
      f.client
          .post("/acme/revoke-cert", {{"certificate", cobble::common::base64url_encode(der)}, {"reason", 4}})
          .status == 200);
  auto id = cobble::authority::make_cert_id(f.key_id(), f.serial_of(order));
  auto body = body_of(f.renewal_info(id));
  auto end = cobble::common::parse_rfc3339(body["suggestedWindow"]["end"].get<std::string>());
  CHECK(*end < f.ca.clock.now());
}

TEST_CASE("renewal info is also served to POST-as-GET", "[api][ari]") {
  Fixture f;
  auto id = f.issue({"example.com"});
  auto reply = f.client.post_as_get("https://ca.test:14000/acme/renewal-info/" + id);
  CHECK(reply.status == 200);
  CHECK(body_of(reply).contains("suggestedWindow"));
}

TEST_CASE("renewal info refuses malformed certIDs and unknown certificates", "[api][ari]") {
  Fixture f;
  auto good = f.issue({"example.com"});
  auto key = good.substr(0, good.find('.'));
  SECTION("malformed certIDs are 400 malformed, saying what is wrong") {
    auto bad = GENERATE(as<std::string>{}, "nodot", "a.b.c", "!!!.AQI", "AQI.", ".AQI", "AQI.AQI=", "AQI.gA");
    CAPTURE(bad);
    auto reply = f.renewal_info(bad);
    CHECK(reply.status == 400);
    CHECK(problem_type(reply) == "malformed");
    CHECK(body_of(reply)["detail"].get<std::string>().find("certID") != std::string::npos);
  }
  SECTION("an unknown serial is 404") {
    auto reply = f.renewal_info(key + ".AQIDBA");
    CHECK(reply.status == 404);
    CHECK(body_of(reply)["detail"].get<std::string>().find("serial") != std::string::npos);
  }
  SECTION("a key identifier that is not our intermediate's is 404") {
    auto reply = f.renewal_info("AQIDBA" + good.substr(good.find('.')));
    CHECK(reply.status == 404);
    CHECK(body_of(reply)["detail"].get<std::string>().find("key identifier") != std::string::npos);
  }
}

TEST_CASE("new-order replaces: the order shows it, and a second replacement is alreadyReplaced",
          "[api][ari]") {
  Fixture f;
  auto id = f.issue({"example.com", "www.example.com"});
  auto first = f.replace(f.client, {"example.com"}, id);
  REQUIRE(first.status == 201);
  CHECK(body_of(first)["replaces"] == id);
  auto second = f.replace(f.client, {"example.com"}, id);
  CHECK(second.status == 409);
  CHECK(problem_type(second) == "alreadyReplaced");
  CHECK(body_of(second)["detail"].get<std::string>().find("already replaced") != std::string::npos);
}

TEST_CASE("new-order replaces is allowed again once the replacing order is invalid", "[api][ari]") {
  Fixture f;
  auto id = f.issue({"example.com"});
  auto first = f.replace(f.client, {"example.com"}, id);
  REQUIRE(first.status == 201);
  f.ca.clock.advance(25h);  // the first replacement expires unfinished: invalid
  CHECK(f.replace(f.client, {"example.com"}, id).status == 201);
}

TEST_CASE("new-order refuses replaces of another account's certificate", "[api][ari]") {
  Fixture f;
  auto id = f.issue({"example.com"});
  TestClient other{f.ca};
  REQUIRE(other.register_account().status == 201);
  auto reply = f.replace(other, {"example.com"}, id);
  CHECK(reply.status == 403);
  CHECK(problem_type(reply) == "unauthorized");
  CHECK(body_of(reply)["detail"].get<std::string>().find("another account") != std::string::npos);
}

TEST_CASE("new-order refuses replaces sharing no identifier, unknown or malformed", "[api][ari]") {
  Fixture f;
  auto id = f.issue({"example.com"});
  auto key = id.substr(0, id.find('.'));
  struct Case {
    nlohmann::json replaces;
    std::string detail_part;
  };
  auto c = GENERATE(values<Case>({{"", "not empty"},
                                  {42, "replaces"},
                                  {"nodot", "certID"},
                                  {"AQIDBA.AQI", "did not issue"},
                                  {"OURS.AQIDBA", "never issued"}}));
  CAPTURE(c.replaces);
  // Each generated run has a fresh CA: put this run's key identifier in.
  auto replaces = c.replaces;
  if (replaces == "OURS.AQIDBA") replaces = key + ".AQIDBA";
  auto reply = f.replace(f.client, {"example.com"}, replaces);
  CHECK(reply.status == 400);
  CHECK(problem_type(reply) == "malformed");
  CAPTURE(reply.body);
  CHECK(body_of(reply)["detail"].get<std::string>().find(c.detail_part) != std::string::npos);
  auto disjoint = f.replace(f.client, {"other.example"}, id);
  CHECK(disjoint.status == 400);
  CHECK(body_of(disjoint)["detail"].get<std::string>().find("shares no identifier") != std::string::npos);
}

TEST_CASE("set-renewal-info overrides the window, in Cobble's and Pebble's shapes", "[api][ari]") {
  Fixture f;
  auto order = f.client.valid_order({"example.com"}, f.cert_key);
  auto id = cobble::authority::make_cert_id(f.key_id(), f.serial_of(order));
  SECTION("Cobble: certID and a checked window") {
    nlohmann::json body = {
        {"certID", id},
        {"suggestedWindow", {{"start", "2030-01-01T00:00:00Z"}, {"end", "2030-01-02T00:00:00Z"}}},
        {"explanationURL", "https://example.com/why"}};
    REQUIRE(f.ca.manage("/set-renewal-info/", body.dump()).status == 200);
    auto info = body_of(f.renewal_info(id));
    CHECK(info["suggestedWindow"]["start"] == "2030-01-01T00:00:00Z");
    CHECK(info["explanationURL"] == "https://example.com/why");
  }
  SECTION("Pebble: the certificate PEM and a response served verbatim") {
    auto chain = f.client.post_as_get(order["certificate"].get<std::string>()).body;
    nlohmann::json body = {{"Certificate", chain}, {"ARIResponse", "{\"suggestedWindow\":{}}"}};
    REQUIRE(f.ca.manage("/set-renewal-info/", body.dump()).status == 200);
    CHECK(f.renewal_info(id).body == "{\"suggestedWindow\":{}}");
  }
  SECTION("refusals") {
    nlohmann::json backwards = {
        {"certID", id},
        {"suggestedWindow", {{"start", "2030-01-02T00:00:00Z"}, {"end", "2030-01-01T00:00:00Z"}}}};
    auto reply = f.ca.manage("/set-renewal-info/", backwards.dump());
    CHECK(reply.status == 400);
    CHECK(body_of(reply)["detail"].get<std::string>().find("end after it starts") != std::string::npos);
    CHECK(f.ca.manage("/set-renewal-info/", R"({"certID":"AQI.AQI","suggestedWindow":{}})").status == 404);
    CHECK(f.ca.manage("/set-renewal-info/", R"({"nothing":1})").status == 400);
  }
}
