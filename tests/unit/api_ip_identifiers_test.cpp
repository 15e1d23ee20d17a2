#include <openssl/pem.h>

#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <vector>

#include "ca/x509_build.hpp"
#include "support/test_ca.hpp"

// IP identifiers (RFC 8738) through the ACME API: newOrder, the challenges offered, finalize and the
// certificate's iPAddress SANs, and pausing of an (account, ip) pair.

using cobble::acme::Problem;
using cobble::acme::ProblemType;
using cobble::test::body_of;
using cobble::test::make_csr;
using cobble::test::problem_type;
using cobble::test::TestCa;
using cobble::test::TestClient;
namespace ossl = cobble::ca::ossl;

namespace {

struct Fixture {
  TestCa ca;
  TestClient client{ca};
  cobble::acme::PrivateKey cert_key =
      cobble::acme::PrivateKey::generate(cobble::acme::PrivateKey::Kind::es256);
  Fixture() { REQUIRE(client.register_account().status == 201); }

  nlohmann::json get(const std::string& url) {
    auto reply = client.post_as_get(url);
    REQUIRE(reply.status == 200);
    return body_of(reply);
  }
  cobble::api::Reply order_for(const nlohmann::json& identifiers) {
    return client.post("/acme/new-order", {{"identifiers", identifiers}});
  }
};

nlohmann::json ip(const std::string& value) { return {{"type", "ip"}, {"value", value}}; }

std::set<std::string> challenge_types(const nlohmann::json& authz) {
  std::set<std::string> types;
  for (const auto& c : authz["challenges"]) types.insert(c["type"].get<std::string>());
  return types;
}

}  // namespace

TEST_CASE("an ip identifier is accepted in canonical form and gets http-01 and tls-alpn-01 only",
          "[api][ip]") {
  Fixture f;
  auto created = f.order_for({ip("192.0.2.1"), ip("2001:DB8:0:0::1"), ip("2001:db8::1")});
  CAPTURE(created.body);
  REQUIRE(created.status == 201);
  auto order = body_of(created);
  CHECK(order["identifiers"] == nlohmann::json::array({ip("192.0.2.1"), ip("2001:db8::1")}));
  REQUIRE(order["authorizations"].size() == 2);
  for (const auto& url : order["authorizations"]) {
    auto authz = f.get(url.get<std::string>());
    CHECK(authz["identifier"]["type"] == "ip");
    // RFC 8738 §7: dns-01 cannot prove control of an address.
    CHECK(challenge_types(authz) == std::set<std::string>{"http-01", "tls-alpn-01"});
  }
}

TEST_CASE("an ip value that is not an address, or a wildcard, is rejectedIdentifier", "[api][ip]") {
  Fixture f;
  auto [value, why] = GENERATE(table<std::string, std::string>({
      {"192.0.2.256", "not an IPv4 or IPv6 address"},
      {"example.com", "not an IPv4 or IPv6 address"},
      {"*.192.0.2.1", "cannot be a wildcard"},
      {"fe80::1%eth0", "zone index"},
      {"::ffff:192.0.2.1", "IPv4-mapped"},
      {"", "not an IPv4 or IPv6 address"},
  }));
  CAPTURE(value);
  auto reply = f.order_for(nlohmann::json::array({ip(value)}));
  CHECK(reply.status == 400);
  CHECK(problem_type(reply) == "rejectedIdentifier");
  auto detail = body_of(reply)["detail"].get<std::string>();
  CHECK_THAT(detail, Catch::Contains("Invalid IP address \"" + value + "\"") && Catch::Contains(why));
}

TEST_CASE("finalize refuses a CSR whose IP addresses differ from the order's", "[api][ip]") {
  Fixture f;
  auto order = f.get(f.client.ready_order({"192.0.2.1", "example.com"}));
  REQUIRE(order["status"] == "ready");
  auto [names, shown] = GENERATE(table<std::vector<std::string>, std::string>({
      {{"192.0.2.2", "example.com"},
       "names the IP addresses [192.0.2.2] but the order is for the IP addresses [192.0.2.1]"},
      {{"example.com"}, "names the IP addresses [] but the order is for the IP addresses [192.0.2.1]"},
      {{"192.0.2.1", "192.0.2.2", "example.com"}, "[192.0.2.1, 192.0.2.2]"},
      {{"192.0.2.1"}, "The CSR names [] but the order is for [example.com]"},
  }));
  CAPTURE(names);
  auto reply = f.client.post_to(order["finalize"].get<std::string>(), {{"csr", make_csr(f.cert_key, names)}});
  CHECK(reply.status == 400);
  CHECK(problem_type(reply) == "badCSR");
  CHECK_THAT(body_of(reply)["detail"].get<std::string>(), Catch::Contains(shown));
}

TEST_CASE(
    "an order for IP addresses issues a certificate with iPAddress SANs; a CN holding the address is fine",
    "[api][ip]") {
  Fixture f;
  auto order = f.get(f.client.ready_order({"127.0.0.1", "::1"}));
  REQUIRE(order["status"] == "ready");
  auto reply = f.client.post_to(order["finalize"].get<std::string>(),
                                {{"csr", make_csr(f.cert_key, {"127.0.0.1", "::1"}, "127.0.0.1")}});
  CAPTURE(reply.body);
  REQUIRE(reply.status == 200);
  auto pem = f.client.post_as_get(body_of(reply)["certificate"].get<std::string>()).body;
  ossl::Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  ossl::Cert leaf(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  REQUIRE(leaf);
  ossl::GeneralNames sans(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(leaf.get(), NID_subject_alt_name, nullptr, nullptr)));
  auto names = cobble::ca::ossl::read_subject_alt_names(sans.get());
  REQUIRE(names);
  CHECK(names->dns_names.empty());
  CHECK(names->ip_addresses == std::vector<std::string>{"127.0.0.1", "::1"});
}

TEST_CASE("an (account, ip) pair that keeps failing is paused and new orders for it are refused",
          "[api][ip]") {
  Fixture f;
  f.ca.scheduler.failure = Problem::make(ProblemType::connection, "Connection refused");
  for (int i = 0; i <= TestCa::kPauseBurst; ++i) {
    auto created = f.order_for(nlohmann::json::array({ip("192.0.2.7")}));
    REQUIRE(created.status == 201);
    auto authz = f.get(body_of(created)["authorizations"][0].get<std::string>());
    for (const auto& c : authz["challenges"])
      if (c["type"] == "http-01") f.client.post_to(c["url"].get<std::string>(), nlohmann::json::object());
  }
  auto refused = f.order_for(nlohmann::json::array({ip("192.0.2.7")}));
  CAPTURE(refused.body);
  REQUIRE(refused.status == 403);
  CHECK(problem_type(refused) == "userActionRequired");
  CHECK_THAT(body_of(refused)["detail"].get<std::string>(), Catch::Contains("192.0.2.7"));
  // The same address as a pair spelled by an operator.
  auto parsed = cobble::authority::parse_pair_identifier("ip:2001:DB8::0:1");
  REQUIRE(parsed);
  CHECK(parsed->value == "2001:db8::1");
  CHECK_FALSE(cobble::authority::parse_pair_identifier("ip:not-an-address"));
}
