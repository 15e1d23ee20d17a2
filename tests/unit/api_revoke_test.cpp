#include <catch2/catch.hpp>

#include "ca/certificate_authority.hpp"
#include "support/test_ca.hpp"

// RFC 8555 §7.6: revocation by an account that did not order the certificate but holds valid
// authorizations for every identifier in it.

using cobble::acme::PrivateKey;
using cobble::test::body_of;
using cobble::test::problem_type;
using cobble::test::TestCa;
using cobble::test::TestClient;

namespace {

struct Issued {
  TestCa ca;
  TestClient owner{ca};
  TestClient other{ca};
  std::string der;
  std::string serial;

  explicit Issued(const std::vector<std::string>& names) {
    REQUIRE(owner.register_account().status == 201);
    REQUIRE(other.register_account().status == 201);
    auto order = owner.valid_order(names, PrivateKey::generate(PrivateKey::Kind::es256));
    auto url = order["certificate"].get<std::string>();
    serial = url.substr(url.rfind('/') + 1);
    auto chain = owner.post_as_get(url);
    REQUIRE(chain.status == 200);
    der = cobble::ca::first_certificate_der(chain.body).value();
  }
  cobble::api::Reply revoke_as_other() {
    return other.post("/acme/revoke-cert", {{"certificate", cobble::common::base64url_encode(der)}});
  }
  std::string status() { return body_of(ca.manage("/cert-status-by-serial/" + serial))["Status"]; }
};

std::string detail_of(const cobble::api::Reply& reply) { return body_of(reply).value("detail", ""); }

}  // namespace

TEST_CASE("an account holding authorizations for every name revokes another account's certificate",
          "[api][revoke]") {
  Issued issued({"example.com", "www.example.com"});
  issued.other.ready_order({"example.com", "www.example.com"});
  auto reply = issued.revoke_as_other();
  CHECK(reply.status == 200);
  CHECK(issued.status() == "Revoked");
}

TEST_CASE("authorizations for only some of the names are not enough, and the detail names the rest",
          "[api][revoke]") {
  Issued issued({"example.com", "www.example.com"});
  issued.other.ready_order({"example.com"});
  auto reply = issued.revoke_as_other();
  CHECK(reply.status == 403);
  CHECK(problem_type(reply) == "unauthorized");
  CHECK_THAT(detail_of(reply), Catch::Contains("dns:www.example.com"));
  CHECK_THAT(detail_of(reply), !Catch::Contains("dns:example.com,"));
  CHECK(issued.status() == "Valid");
}

TEST_CASE("expired or pending authorizations do not authorise revocation", "[api][revoke]") {
  Issued issued({"example.com"});
  SECTION("pending") { REQUIRE(issued.other.new_order({"example.com"}).status == 201); }
  SECTION("expired") {
    issued.other.ready_order({"example.com"});
    issued.ca.clock.advance(issued.ca.policy.valid_authz_lifetime + std::chrono::hours(1));
  }
  auto reply = issued.revoke_as_other();
  CHECK(reply.status == 403);
  CHECK(problem_type(reply) == "unauthorized");
  CHECK_THAT(detail_of(reply), Catch::Contains("dns:example.com"));
}

TEST_CASE("a wildcard name needs a wildcard authorization to revoke", "[api][revoke]") {
  Issued issued({"*.example.com"});
  issued.other.ready_order({"example.com"});
  auto plain = issued.revoke_as_other();
  CHECK(plain.status == 403);
  CHECK_THAT(detail_of(plain), Catch::Contains("dns:*.example.com"));
  issued.other.ready_order({"*.example.com"});
  CHECK(issued.revoke_as_other().status == 200);
  CHECK(issued.status() == "Revoked");
}

TEST_CASE("a revoked certificate is still served unless serveRevokedCertificates is off (Pebble)",
          "[api][revoke]") {
  Issued issued({"example.com"});
  auto url = issued.ca.base_url + "/acme/cert/" + issued.serial;
  REQUIRE(
      issued.owner.post("/acme/revoke-cert", {{"certificate", cobble::common::base64url_encode(issued.der)}})
          .status == 200);
  CHECK(issued.owner.post_as_get(url).status == 200);  // as Boulder
  issued.ca.policy.serve_revoked_certificates = false;
  auto gone = issued.owner.post_as_get(url);
  CHECK(gone.status == 404);
  CHECK_THAT(detail_of(gone), Catch::Contains("is revoked and no longer served"));
}
