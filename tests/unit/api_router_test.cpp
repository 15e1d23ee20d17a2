#include <catch2/catch.hpp>

#include "api/acme/acme_api.hpp"
#include "api/management/management.hpp"
#include "support/test_ca.hpp"

using cobble::api::Reply;
using cobble::api::Request;

namespace {

struct Fixture {
  cobble::test::TestCa ca;
  cobble::acme::NonceStore& nonces = ca.nonces;
  Fixture() { ca.services->meta = {"https://example.test/tos", "", {"example.test"}, false}; }
  Reply send(std::string method, std::string path, std::string body = "", std::string content_type = "") {
    return ca.send(std::move(method), std::move(path), std::move(body), std::move(content_type));
  }
};

nlohmann::json body_of(const Reply& reply) { return nlohmann::json::parse(reply.body); }

}  // namespace

TEST_CASE("the directory lists absolute resource URLs and meta, without an index link", "[api]") {
  Fixture f;
  for (auto path : {"/dir", "/directory"}) {
    auto reply = f.send("GET", path);
    CHECK(reply.status == 200);
    CHECK(reply.content_type == "application/json");
    auto dir = body_of(reply);
    CHECK(dir["newNonce"] == "https://ca.test:14000/acme/new-nonce");
    CHECK(dir["newAccount"] == "https://ca.test:14000/acme/new-account");
    CHECK(dir["newOrder"] == "https://ca.test:14000/acme/new-order");
    CHECK(dir["revokeCert"] == "https://ca.test:14000/acme/revoke-cert");
    CHECK(dir["keyChange"] == "https://ca.test:14000/acme/key-change");
    CHECK(dir["meta"]["termsOfService"] == "https://example.test/tos");
    CHECK(dir["meta"]["caaIdentities"][0] == "example.test");
    CHECK(dir["meta"]["externalAccountRequired"] == false);
    CHECK(reply.header("Link").empty());
  }
}

TEST_CASE("newNonce answers HEAD with 200 and GET with 204, each with a fresh nonce", "[api]") {
  Fixture f;
  auto head = f.send("HEAD", "/acme/new-nonce");
  auto get = f.send("GET", "/acme/new-nonce");
  CHECK(head.status == 200);
  CHECK(get.status == 204);
  CHECK_FALSE(head.header("Replay-Nonce").empty());
  CHECK(head.header("Replay-Nonce") != get.header("Replay-Nonce"));
  CHECK(get.header("Cache-Control") == "no-store");
  CHECK(get.header("Link") == "<https://ca.test:14000/dir>;rel=\"index\"");
  CHECK(f.nonces.consume(std::string(get.header("Replay-Nonce"))));
}

TEST_CASE("an unknown path is a 404 problem document with the index link", "[api]") {
  Fixture f;
  auto reply = f.send("GET", "/no/such/thing");
  CHECK(reply.status == 404);
  CHECK(reply.content_type == "application/problem+json");
  CHECK(body_of(reply)["type"] == "urn:ietf:params:acme:error:malformed");
  CHECK(body_of(reply)["status"] == 404);
  CHECK_FALSE(reply.header("Link").empty());
}

TEST_CASE("a wrong method is a 405 problem with Allow", "[api]") {
  Fixture f;
  auto reply = f.send("DELETE", "/acme/new-nonce");
  CHECK(reply.status == 405);
  CHECK(reply.content_type == "application/problem+json");
  CHECK(reply.header("Allow") == "GET, HEAD, POST, OPTIONS");
}

TEST_CASE("a POST that is not application/jose+json is a 415 problem", "[api]") {
  Fixture f;
  auto ct = GENERATE(as<std::string>{}, "", "application/json", "text/plain", "application/jose");
  CAPTURE(ct);
  auto reply = f.send("POST", "/acme/new-nonce", "{}", ct);
  CHECK(reply.status == 415);
  CHECK(body_of(reply)["type"] == "urn:ietf:params:acme:error:malformed");
}

TEST_CASE("CORS: preflight is answered and responses expose ACME headers to browsers", "[api]") {
  Fixture f;
  Request r;
  r.method = "OPTIONS";
  r.path = "/acme/new-nonce";
  r.base_url = "https://ca.test";
  r.headers = {{"Origin", "https://app.test"}, {"Access-Control-Request-Method", "POST"}};
  auto pre = cobble::api::handle_acme(r, *f.ca.services);
  CHECK(pre.status == 204);
  CHECK(pre.header("Access-Control-Allow-Origin") == "*");
  CHECK_THAT(std::string(pre.header("Access-Control-Allow-Methods")), Catch::Contains("POST"));
  r.method = "GET";
  auto get = cobble::api::handle_acme(r, *f.ca.services);
  CHECK_THAT(std::string(get.header("Access-Control-Expose-Headers")), Catch::Contains("Replay-Nonce"));
}

TEST_CASE("the management API answers health, roots and intermediates", "[api]") {
  Fixture f;
  CHECK(f.ca.manage("/healthz").status == 200);
  auto root = f.ca.manage("/roots/0");
  CHECK(root.body == f.ca.ca->root_pem());
  CHECK(root.content_type == "application/pem-certificate-chain");
  CHECK(f.ca.manage("/intermediates/0").body == f.ca.ca->intermediate_pem());
  CHECK(f.ca.manage("/roots/1").status == 404);
  CHECK(f.ca.manage("/cert-status-by-serial/zz").status == 400);
  CHECK(f.ca.manage("/cert-status-by-serial/abcdef").status == 404);
}

TEST_CASE("only nonce and directory reads may run on the I/O thread", "[api][router]") {
  auto request = [](std::string method, std::string path) {
    cobble::api::Request r;
    r.method = std::move(method);
    r.path = std::move(path);
    return r;
  };
  CHECK(cobble::api::runs_inline(request("HEAD", "/acme/new-nonce")));
  CHECK(cobble::api::runs_inline(request("GET", "/acme/new-nonce")));
  CHECK(cobble::api::runs_inline(request("GET", "/dir")));
  CHECK(cobble::api::runs_inline(request("GET", "/directory")));
  CHECK_FALSE(cobble::api::runs_inline(request("POST", "/dir")));
  CHECK_FALSE(cobble::api::runs_inline(request("POST", "/acme/new-order")));
  CHECK_FALSE(cobble::api::runs_inline(request("GET", "/acme/cert/1")));
  CHECK_FALSE(cobble::api::runs_inline(request("GET", "/acme/renewal-info/a.b")));
}

TEST_CASE("/readyz is 200 when every check holds and 503 naming the one that does not", "[api][management]") {
  Fixture f;
  CHECK(f.ca.manage("/readyz").status == 200);  // nothing to check
  bool database_up = true;
  f.ca.management->readiness = [&] {
    return std::vector<cobble::api::ReadinessCheck>{
        {"database", database_up, database_up ? "answers" : "cannot be read: connection refused"},
        {"validations", true, "0 accepted"}};
  };
  auto ready = f.ca.manage("/readyz");
  CHECK(ready.status == 200);
  CHECK(body_of(ready)["status"] == "ready");
  database_up = false;
  auto down = f.ca.manage("/readyz");
  CHECK(down.status == 503);
  CHECK(body_of(down)["status"] == "not ready");
  CHECK(body_of(down)["checks"][0]["ok"] == false);
  CHECK(body_of(down)["checks"][0]["detail"] == "cannot be read: connection refused");
  CHECK(body_of(down)["checks"][1]["ok"] == true);
}

TEST_CASE("a reply names the route that answered it, for the request metrics", "[api][metrics]") {
  Fixture f;
  CHECK(f.send("GET", "/dir").endpoint == "/dir");
  CHECK(f.send("GET", "/acme/order/does-not-exist").endpoint == "/acme/order/");  // a prefix route
  CHECK(f.send("PUT", "/acme/new-order").endpoint == "/acme/new-order");          // refused: still its route
  CHECK(f.send("GET", "/no/such/path").endpoint.empty());                         // no route: counted apart
}
