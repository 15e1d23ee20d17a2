#include <catch2/catch.hpp>

#include "support/test_ca.hpp"

// The checks serve.cpp applies to every ACME POST (RFC 8555 §6.2–§6.5), driven through real
// endpoints of the in-process API.

using cobble::acme::PrivateKey;
using cobble::test::body_of;
using cobble::test::has_link;
using cobble::test::problem_type;
using cobble::test::TestCa;
using cobble::test::TestClient;

namespace {

const std::string kBase = "https://ca.test:14000";

std::string b64(std::string_view s) { return cobble::common::base64url_encode(s); }

// A flattened JWS with an arbitrary protected header and a signature that is not checked first.
std::string unsigned_jws(const nlohmann::json& header, const std::string& payload, const std::string& sig) {
  return nlohmann::json{{"protected", b64(header.dump())}, {"payload", b64(payload)}, {"signature", b64(sig)}}
      .dump();
}

}  // namespace

TEST_CASE("a nonce the server never issued is badNonce 400 with a fresh Replay-Nonce", "[api]") {
  TestCa ca;
  TestClient client(ca);
  nlohmann::json header = {{"nonce", "bm90LWEtbm9uY2U"},
                           {"url", kBase + "/acme/new-account"},
                           {"jwk", client.key.public_key().to_jwk()}};
  auto reply = ca.send("POST", "/acme/new-account", cobble::acme::sign_jws(client.key, header, "{}"));
  CHECK(reply.status == 400);
  CHECK(problem_type(reply) == "badNonce");
  CHECK(reply.content_type == "application/problem+json");
  auto fresh = std::string(reply.header("Replay-Nonce"));
  REQUIRE_FALSE(fresh.empty());
  CHECK(ca.nonces.consume(fresh));
}

TEST_CASE("a nonce is accepted once and refused as badNonce when replayed", "[api]") {
  TestCa ca;
  TestClient client(ca);
  REQUIRE(client.register_account().status == 201);
  auto body = client.sign(client.kid, "");
  auto path = client.kid.substr(kBase.size());
  CHECK(ca.send("POST", path, body).status == 200);
  auto replay = ca.send("POST", path, body);
  CHECK(replay.status == 400);
  CHECK(problem_type(replay) == "badNonce");
}

TEST_CASE("a JWS url other than the request URL is unauthorized", "[api]") {
  TestCa ca;
  TestClient client(ca);
  REQUIRE(client.register_account().status == 201);
  REQUIRE(client.kid == kBase + "/acme/acct/1");
  auto url = GENERATE(as<std::string>{}, kBase + "/acme/new-order", "https://other.test:14000/acme/acct/1",
                      kBase + "/acme/acct/1?x=1", "http://ca.test:14000/acme/acct/1", "/acme/acct/1");
  CAPTURE(url);
  auto reply = ca.send("POST", "/acme/acct/1", client.sign(url, ""));
  CHECK(reply.status == 403);
  CHECK(problem_type(reply) == "unauthorized");
}

TEST_CASE("newAccount refuses a kid-signed JWS as malformed", "[api]") {
  TestCa ca;
  TestClient client(ca);
  REQUIRE(client.register_account().status == 201);
  auto reply = client.post("/acme/new-account", {{"termsOfServiceAgreed", true}}, /*use_jwk=*/false);
  CHECK(reply.status == 400);
  CHECK(problem_type(reply) == "malformed");
}

TEST_CASE("resources behind an account refuse a jwk-signed JWS as malformed", "[api]") {
  TestCa ca;
  TestClient client(ca);
  REQUIRE(client.register_account().status == 201);
  nlohmann::json order = {{"identifiers", {{{"type", "dns"}, {"value", "a.example.com"}}}}};
  auto path = GENERATE(as<std::string>{}, "/acme/new-order", "/acme/acct/1", "/acme/key-change");
  CAPTURE(path);
  auto reply = client.post(path, order, /*use_jwk=*/true);
  CHECK(reply.status == 400);
  CHECK(problem_type(reply) == "malformed");
}

TEST_CASE("a kid that is not an account of this server is accountDoesNotExist", "[api]") {
  TestCa ca;
  TestClient client(ca);
  REQUIRE(client.register_account().status == 201);
  auto kid = GENERATE(as<std::string>{}, kBase + "/acme/acct/999", "https://other.test/acme/acct/1",
                      kBase + "/acme/acct/abc", kBase + "/acme/acct/0", "1");
  CAPTURE(kid);
  client.kid = kid;
  auto reply = client.new_order({"a.example.com"});
  CHECK(reply.status == 400);
  CHECK(problem_type(reply) == "accountDoesNotExist");
}

TEST_CASE("a deactivated account's requests are unauthorized", "[api]") {
  TestCa ca;
  TestClient client(ca);
  REQUIRE(client.register_account().status == 201);
  auto deactivated = client.post_to(client.kid, {{"status", "deactivated"}});
  REQUIRE(deactivated.status == 200);
  CHECK(body_of(deactivated)["status"] == "deactivated");
  auto reply = client.new_order({"a.example.com"});
  CHECK(reply.status == 403);
  CHECK(problem_type(reply) == "unauthorized");
}

TEST_CASE("a JWS signed by another key than the kid's is malformed", "[api]") {
  TestCa ca;
  TestClient owner(ca), impostor(ca);
  REQUIRE(owner.register_account().status == 201);
  impostor.kid = owner.kid;
  auto reply = impostor.new_order({"a.example.com"});
  CHECK(reply.status == 400);
  CHECK(problem_type(reply) == "malformed");
  CHECK(body_of(owner.new_order({"a.example.com"})).contains("authorizations"));
}

TEST_CASE("alg none and HMAC algorithms are badSignatureAlgorithm listing the accepted ones", "[api]") {
  TestCa ca;
  TestClient client(ca);
  auto alg = GENERATE(as<std::string>{}, "none", "HS256", "HS512", "RS1");
  CAPTURE(alg);
  nlohmann::json header = {{"alg", alg},
                           {"nonce", client.nonce()},
                           {"url", kBase + "/acme/new-account"},
                           {"jwk", client.key.public_key().to_jwk()}};
  auto reply = ca.send("POST", "/acme/new-account", unsigned_jws(header, "{}", alg == "none" ? "" : "sig"));
  CHECK(reply.status == 400);
  CHECK(problem_type(reply) == "badSignatureAlgorithm");
  auto algorithms = body_of(reply)["algorithms"];
  REQUIRE(algorithms.is_array());
  CHECK(std::find(algorithms.begin(), algorithms.end(), "ES256") != algorithms.end());
  CHECK(std::find(algorithms.begin(), algorithms.end(), alg) == algorithms.end());
}

TEST_CASE("a payload that is not a JSON object is malformed", "[api]") {
  TestCa ca;
  TestClient client(ca);
  REQUIRE(client.register_account().status == 201);
  auto payload = GENERATE(as<std::string>{}, "[]", "\"text\"", "42", "null", "{not json");
  CAPTURE(payload);
  auto reply = ca.send("POST", "/acme/new-order", client.sign(kBase + "/acme/new-order", payload));
  CHECK(reply.status == 400);
  CHECK(problem_type(reply) == "malformed");
}

TEST_CASE("every reply to a POST carries a fresh Replay-Nonce and the index link", "[api]") {
  TestCa ca;
  TestClient client(ca);
  std::vector<std::pair<std::string, cobble::api::Reply>> replies;
  replies.emplace_back("new account", client.register_account());
  replies.emplace_back("existing account", client.register_account());
  replies.emplace_back("account", client.post_as_get(client.kid));
  replies.emplace_back("new order", client.new_order({"a.example.com"}));
  replies.emplace_back("bad identifier", client.new_order({"-bad-.example.com"}));
  replies.emplace_back("unknown order", client.post_as_get(kBase + "/acme/order/nope"));
  replies.emplace_back("garbage body", ca.send("POST", "/acme/new-order", "not a jws"));
  replies.emplace_back("wrong content type", ca.send("POST", "/acme/new-order", "{}", "application/json"));
  replies.emplace_back(
      "bad nonce",
      ca.send("POST", "/acme/new-order",
              cobble::acme::sign_jws(
                  client.key, {{"nonce", "bm9wZQ"}, {"url", kBase + "/acme/new-order"}, {"kid", client.kid}},
                  "{}")));
  for (const auto& [what, reply] : replies) {
    CAPTURE(what, reply.status, reply.body);
    auto nonce = std::string(reply.header("Replay-Nonce"));
    CHECK_FALSE(nonce.empty());
    CHECK(ca.nonces.consume(nonce));
    CHECK(has_link(reply, "index"));
    CHECK(cobble::test::link_target(reply, "index") == kBase + "/dir");
  }
}

TEST_CASE("accounts with EdDSA, RSA and ECDSA P-384/P-521 keys can order and validate", "[api]") {
  TestCa ca;
  auto kind = GENERATE(PrivateKey::Kind::eddsa, PrivateKey::Kind::rs256, PrivateKey::Kind::es384,
                       PrivateKey::Kind::es512);
  TestClient client(ca, kind);
  CAPTURE(client.key.alg());
  REQUIRE(client.register_account().status == 201);
  auto account = body_of(client.post_as_get(client.kid));
  CHECK(account["key"] == client.key.public_key().to_jwk());
  auto order = body_of(client.post_as_get(client.ready_order({"a.example.com"})));
  CHECK(order["status"] == "ready");
  REQUIRE(ca.scheduler.tasks.size() == 1);
  CHECK(ca.scheduler.tasks[0].key_authorization ==
        cobble::acme::key_authorization(ca.scheduler.tasks[0].token, client.key.public_key()));
}
