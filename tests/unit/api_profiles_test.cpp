#include <catch2/catch.hpp>
#include <ctime>

#include "authority/profiles.hpp"
#include "ca/x509_build.hpp"
#include "support/test_ca.hpp"

// draft-ietf-acme-profiles: directory meta.profiles, newOrder "profile", what the certificate
// gets from its profile (validity, CN promotion, extended key usages).

using cobble::acme::PrivateKey;
using cobble::test::body_of;
using cobble::test::make_csr;
using cobble::test::problem_type;
using cobble::test::TestCa;
using cobble::test::TestClient;
namespace ossl = cobble::ca::ossl;
using namespace std::chrono_literals;

namespace {

cobble::authority::Policy staging_like() {
  cobble::authority::Policy policy;
  policy.profiles = {
      {"classic", "The classic profile", 90 * 24h, true, true, true},
      {"shortlived", "Six days, no CN", 160h, false, true, false},
      {"tlsserver", "TLS server", 90 * 24h, false, true, false},
  };
  policy.default_profile = "classic";
  return policy;
}

struct Fixture {
  TestCa ca;
  TestClient client{ca};
  PrivateKey cert_key = PrivateKey::generate(PrivateKey::Kind::es256);
  explicit Fixture(cobble::authority::Policy policy = staging_like()) : ca(std::move(policy)) {
    REQUIRE(client.register_account().status == 201);
  }
  cobble::api::Reply order(const std::vector<std::string>& names, const nlohmann::json& profile) {
    nlohmann::json ids = nlohmann::json::array();
    for (const auto& n : names) ids.push_back({{"type", "dns"}, {"value", n}});
    nlohmann::json payload = {{"identifiers", ids}};
    if (!profile.is_null()) payload["profile"] = profile;
    return client.post("/acme/new-order", payload);
  }
  // Orders `names` with `profile`, validates, finalizes; returns the leaf.
  ossl::Cert issue(const std::vector<std::string>& names, const nlohmann::json& profile) {
    auto created = order(names, profile);
    REQUIRE(created.status == 201);
    auto json = body_of(created);
    for (const auto& authz_url : json["authorizations"]) {
      auto authz = body_of(client.post_as_get(authz_url.get<std::string>()));
      for (const auto& c : authz["challenges"])
        if (c["type"] == "http-01") client.post_to(c["url"].get<std::string>(), nlohmann::json::object());
    }
    auto done = client.post_to(json["finalize"].get<std::string>(), {{"csr", make_csr(cert_key, names)}});
    REQUIRE(done.status == 200);
    auto chain = client.post_as_get(body_of(done)["certificate"].get<std::string>());
    auto der = cobble::ca::first_certificate_der(chain.body);
    REQUIRE(der.has_value());
    const auto* p = reinterpret_cast<const unsigned char*>(der->data());
    return ossl::Cert(d2i_X509(nullptr, &p, static_cast<long>(der->size())));
  }
};

long validity_seconds(X509* cert) {
  int days = 0, seconds = 0;
  REQUIRE(ASN1_TIME_diff(&days, &seconds, X509_get0_notBefore(cert), X509_get0_notAfter(cert)) == 1);
  return days * 86400L + seconds;
}

bool has_eku(X509* cert, int nid) {
  ossl::ExtendedKeyUsage eku(
      static_cast<EXTENDED_KEY_USAGE*>(X509_get_ext_d2i(cert, NID_ext_key_usage, nullptr, nullptr)));
  if (!eku) return false;
  for (int i = 0; i < sk_ASN1_OBJECT_num(eku.get()); ++i)
    if (OBJ_obj2nid(sk_ASN1_OBJECT_value(eku.get(), i)) == nid) return true;
  return false;
}

}  // namespace

TEST_CASE("the directory lists the configured profiles with their descriptions", "[api][profiles]") {
  Fixture f;
  auto dir = body_of(f.ca.send("GET", "/dir", "", ""));
  CHECK(dir["meta"]["profiles"] == nlohmann::json{{"classic", "The classic profile"},
                                                  {"shortlived", "Six days, no CN"},
                                                  {"tlsserver", "TLS server"}});
}

TEST_CASE("without configured profiles one built-in default profile is offered", "[api][profiles]") {
  Fixture f{cobble::authority::Policy{}};
  auto dir = body_of(f.ca.send("GET", "/dir", "", ""));
  CHECK(dir["meta"]["profiles"] == nlohmann::json{{"default", "The default profile"}});
  auto order = body_of(f.order({"a.example"}, nullptr));
  CHECK(order["profile"] == "default");
  auto leaf = f.issue({"b.example"}, nullptr);
  CHECK(validity_seconds(leaf.get()) == 90 * 86400 - 1);
  CHECK_FALSE(ossl::common_name_of(X509_get_subject_name(leaf.get())));
}

TEST_CASE("new-order refuses a profile the CA does not offer with invalidProfile", "[api][profiles]") {
  Fixture f;
  auto reply = f.order({"a.example"}, "nonexistent");
  CHECK(reply.status == 400);
  CHECK(problem_type(reply) == "invalidProfile");
  std::string detail = body_of(reply)["detail"];
  CHECK(detail.find("\"nonexistent\"") != std::string::npos);
  CHECK(detail.find("\"classic\", \"shortlived\", \"tlsserver\"") != std::string::npos);
}

TEST_CASE("new-order refuses a profile that is not a string as malformed", "[api][profiles]") {
  Fixture f;
  auto reply = f.order({"a.example"}, 42);
  CHECK(reply.status == 400);
  CHECK(problem_type(reply) == "malformed");
  CHECK(body_of(reply)["detail"].get<std::string>().find("profile") != std::string::npos);
}

TEST_CASE("an order without a profile gets the configured default, never a random one", "[api][profiles]") {
  Fixture f;
  for (int i = 0; i < 5; ++i) CHECK(body_of(f.order({"a.example"}, nullptr))["profile"] == "classic");
  CHECK(body_of(f.order({"a.example"}, "shortlived"))["profile"] == "shortlived");
}

TEST_CASE("the certificate follows its profile's validity, CN promotion and usages", "[api][profiles]") {
  Fixture f;
  SECTION("classic: 90 days, CN promoted, serverAuth and clientAuth") {
    auto leaf = f.issue({"www.example.com", "example.com"}, "classic");
    CHECK(validity_seconds(leaf.get()) == 90 * 86400 - 1);
    CHECK(ossl::common_name_of(X509_get_subject_name(leaf.get())) == "www.example.com");
    CHECK(has_eku(leaf.get(), NID_server_auth));
    CHECK(has_eku(leaf.get(), NID_client_auth));
  }
  SECTION("shortlived: 160 hours, no CN") {
    auto leaf = f.issue({"example.com"}, "shortlived");
    CHECK(validity_seconds(leaf.get()) == 160 * 3600 - 1);
    CHECK_FALSE(ossl::common_name_of(X509_get_subject_name(leaf.get())));
  }
  SECTION("tlsserver: serverAuth only") {
    auto leaf = f.issue({"example.com"}, "tlsserver");
    CHECK(has_eku(leaf.get(), NID_server_auth));
    CHECK_FALSE(has_eku(leaf.get(), NID_client_auth));
  }
  SECTION("CN promotion skips names longer than 64 characters") {
    std::string long_name = std::string(60, 'a') + ".example.com";
    auto leaf = f.issue({long_name, "short.example"}, "classic");
    CHECK(ossl::common_name_of(X509_get_subject_name(leaf.get())) == "short.example");
  }
}

TEST_CASE("choose_profile picks 'default' or the first by name when no default is configured",
          "[authority][profiles]") {
  cobble::authority::Policy policy;
  policy.profiles = {{"alpha", "", 24h}, {"default", "", 48h}};
  CHECK(cobble::authority::choose_profile(policy, "")->name == "default");
  policy.profiles = {{"alpha", "", 24h}, {"beta", "", 48h}};
  CHECK(cobble::authority::choose_profile(policy, "")->name == "alpha");
  policy.default_profile = "beta";
  CHECK(cobble::authority::choose_profile(policy, "")->name == "beta");
}
