#include <catch2/catch.hpp>

#include "app/config.hpp"
#include "app/profiles_config.hpp"
#include "authority/profiles.hpp"
#include "ca/x509_build.hpp"
#include "support/test_ca.hpp"

// Let's Encrypt's three profiles as config/staging.json sets them (issue #14): per-profile order and
// authorization lifetimes, authorization reuse, identifier limits and types, and the certificate's
// KeyEncipherment and SKID. Everything is read from the shipped file, so the test checks what a
// staging user runs.

using cobble::acme::PrivateKey;
using cobble::test::body_of;
using cobble::test::make_csr;
using cobble::test::problem_type;
using cobble::test::TestCa;
using cobble::test::TestClient;
namespace ossl = cobble::ca::ossl;
using namespace std::chrono_literals;

namespace {

cobble::authority::Policy staging_policy() {
  cobble::app::Config config;
  REQUIRE(cobble::app::apply_file(config, std::string(COBBLE_SOURCE_DIR) + "/config/staging.json"));
  cobble::authority::Policy policy;
  policy.profiles =
      cobble::app::profiles_from_json(config.profiles, cobble::authority::profile_from_policy(policy, ""))
          .value();
  policy.default_profile = config.default_profile;
  return policy;
}

nlohmann::json identifiers(const std::vector<std::string>& names) {
  nlohmann::json ids = nlohmann::json::array();
  for (const auto& n : names)
    ids.push_back({{"type", cobble::acme::canonical_ip(n) ? "ip" : "dns"}, {"value", n}});
  return ids;
}

struct Fixture {
  TestCa ca{staging_policy()};
  TestClient client{ca};
  Fixture() { REQUIRE(client.register_account().status == 201); }

  cobble::api::Reply order(const std::vector<std::string>& names, const std::string& profile) {
    nlohmann::json payload = {{"identifiers", identifiers(names)}};
    if (!profile.empty()) payload["profile"] = profile;
    return client.post("/acme/new-order", payload);
  }
  // Validates every authorization of the order (http-01) and returns the order JSON.
  nlohmann::json validated(const cobble::api::Reply& created) {
    REQUIRE(created.status == 201);
    auto json = body_of(created);
    for (const auto& url : json["authorizations"]) {
      auto authz = body_of(client.post_as_get(url.get<std::string>()));
      if (authz["status"] == "valid") continue;
      for (const auto& c : authz["challenges"])
        if (c["type"] == "http-01")
          REQUIRE(client.post_to(c["url"].get<std::string>(), nlohmann::json::object()).status == 200);
    }
    return json;
  }
  nlohmann::json authz(const nlohmann::json& order, std::size_t i = 0) {
    return body_of(client.post_as_get(order["authorizations"][i].get<std::string>()));
  }
  // How long after `from` an RFC 3339 time shown by the server is (it shows whole seconds).
  static std::chrono::seconds after(const nlohmann::json& text, cobble::common::TimePoint from) {
    auto shown = cobble::common::parse_rfc3339(text.get<std::string>()).value();
    return std::chrono::duration_cast<std::chrono::seconds>(shown -
                                                            std::chrono::floor<std::chrono::seconds>(from));
  }
  ossl::Cert issue(const std::vector<std::string>& names, const std::string& profile, const PrivateKey& key) {
    auto order = validated(this->order(names, profile));
    auto done = client.post_to(order["finalize"].get<std::string>(), {{"csr", make_csr(key, names)}});
    REQUIRE(done.status == 200);
    auto chain = client.post_as_get(body_of(done)["certificate"].get<std::string>());
    auto der = cobble::ca::first_certificate_der(chain.body);
    REQUIRE(der.has_value());
    const auto* p = reinterpret_cast<const unsigned char*>(der->data());
    return ossl::Cert(d2i_X509(nullptr, &p, static_cast<long>(der->size())));
  }
};

bool has_key_encipherment(X509* cert) { return (X509_get_key_usage(cert) & KU_KEY_ENCIPHERMENT) != 0; }
bool has_skid(X509* cert) { return X509_get0_subject_key_id(cert) != nullptr; }

std::vector<std::string> names(int count) {
  std::vector<std::string> out;
  for (int i = 0; i < count; ++i) out.push_back("n" + std::to_string(i) + ".example.com");
  return out;
}

}  // namespace

TEST_CASE("each profile gives its orders and pending authorizations their own lifetimes", "[api][profiles]") {
  Fixture f;
  auto now = f.ca.clock.now();
  auto classic = body_of(f.order({"a.example.com"}, ""));
  CHECK(classic["profile"] == "classic");
  CHECK(f.after(classic["expires"], now) == 7 * 24h);
  CHECK(f.after(f.authz(classic)["expires"], now) == 7 * 24h);
  for (const char* name : {"tlsserver", "shortlived"}) {
    CAPTURE(name);
    auto order = body_of(f.order({"b.example.com"}, name));
    CHECK(f.after(order["expires"], now) == 8h);
    CHECK(f.after(f.authz(order)["expires"], now) == 1h);
  }
}

TEST_CASE("a validated authorization lives for its profile's reuse window and is reused only by that profile",
          "[api][profiles]") {
  Fixture f;
  auto tls = f.validated(f.order({"reuse.example.com"}, "tlsserver"));
  auto validated_at = f.ca.clock.now();
  auto tls_authz = f.authz(tls);
  CHECK(tls_authz["status"] == "valid");
  CHECK(f.after(tls_authz["expires"], validated_at) == 7h);

  // Another tlsserver order within 7 hours reuses it; a classic order does not (30-day reuse there
  // must not be satisfied by a tlsserver validation, nor the reverse).
  f.ca.clock.advance(6h);
  auto again = body_of(f.order({"reuse.example.com"}, "tlsserver"));
  CHECK(again["authorizations"][0] == tls["authorizations"][0]);
  CHECK(again["status"] == "ready");
  auto classic = body_of(f.order({"reuse.example.com"}, "classic"));
  CHECK(classic["authorizations"][0] != tls["authorizations"][0]);
  CHECK(classic["status"] == "pending");

  // Past the 7 hours a tlsserver order starts afresh.
  f.ca.clock.advance(1h + 1s);
  auto later = body_of(f.order({"reuse.example.com"}, "tlsserver"));
  CHECK(later["authorizations"][0] != tls["authorizations"][0]);

  // classic: 30 days from validation.
  auto validated = f.validated(f.order({"thirty.example.com"}, "classic"));
  auto at = f.ca.clock.now();
  CHECK(f.after(f.authz(validated)["expires"], at) == 30 * 24h);
  f.ca.clock.advance(29 * 24h);
  CHECK(body_of(f.order({"thirty.example.com"}, "classic"))["status"] == "ready");
}

TEST_CASE("each profile has its own identifier limit", "[api][profiles]") {
  Fixture f;
  CHECK(f.order(names(100), "classic").status == 201);
  auto over = f.order(names(101), "classic");
  CHECK(over.status == 400);
  CHECK(problem_type(over) == "rejectedIdentifier");
  CHECK(f.order(names(25), "tlsserver").status == 201);
  for (const char* name : {"tlsserver", "shortlived"}) {
    CAPTURE(name);
    auto refused = f.order(names(26), name);
    CHECK(refused.status == 400);
    CHECK(problem_type(refused) == "rejectedIdentifier");
    CHECK(body_of(refused)["detail"] ==
          std::string("Profile \"") + name + "\" allows at most 25 identifiers per order, not 26");
  }
}

TEST_CASE("IP address identifiers only in shortlived, refused elsewhere with the profile named",
          "[api][profiles]") {
  Fixture f;
  for (const char* name : {"classic", "tlsserver", ""}) {
    CAPTURE(name);
    auto refused = f.order({"www.example.com", "192.0.2.7"}, name);
    CHECK(refused.status == 400);
    CHECK(problem_type(refused) == "rejectedIdentifier");
    std::string profile = *name ? name : "classic";
    CHECK(body_of(refused)["detail"] == "Profile \"" + profile +
                                            "\" does not allow IP addresses (192.0.2.7); choose profile "
                                            "\"shortlived\" for IP addresses");
  }
  auto created = f.order({"www.example.com", "192.0.2.7"}, "shortlived");
  CHECK(created.status == 201);
}

TEST_CASE("KeyEncipherment and the SKID follow the profile", "[api][profiles]") {
  Fixture f;
  auto rsa = PrivateKey::generate(PrivateKey::Kind::rs256);
  auto classic = f.issue({"www.example.com"}, "classic", rsa);
  CHECK(has_key_encipherment(classic.get()));
  CHECK(has_skid(classic.get()));
  CHECK(ossl::common_name_of(X509_get_subject_name(classic.get())) == "www.example.com");
  for (const char* name : {"tlsserver", "shortlived"}) {
    CAPTURE(name);
    auto leaf = f.issue({"www.example.com"}, name, rsa);
    CHECK_FALSE(has_key_encipherment(leaf.get()));
    CHECK((X509_get_key_usage(leaf.get()) & KU_DIGITAL_SIGNATURE) != 0);
    CHECK_FALSE(has_skid(leaf.get()));
    CHECK(X509_get0_authority_key_id(leaf.get()) != nullptr);  // AKI stays: chains are built by it
    CHECK_FALSE(ossl::common_name_of(X509_get_subject_name(leaf.get())));
  }
  // An ECDSA key never gets keyEncipherment, whatever the profile.
  auto ec = PrivateKey::generate(PrivateKey::Kind::es256);
  CHECK_FALSE(has_key_encipherment(f.issue({"ec.example.com"}, "classic", ec).get()));
}

TEST_CASE("newOrder's notBefore and notAfter are refused in the staging configuration", "[api][profiles]") {
  cobble::app::Config config;
  REQUIRE(cobble::app::apply_file(config, std::string(COBBLE_SOURCE_DIR) + "/config/staging.json"));
  auto policy = staging_policy();
  policy.accept_order_validity = config.accept_order_validity;
  TestCa ca{policy};
  TestClient client{ca};
  REQUIRE(client.register_account().status == 201);
  auto refused = client.post("/acme/new-order", {{"identifiers", identifiers({"www.example.com"})},
                                                 {"notAfter", "2030-01-01T00:00:00Z"}});
  CHECK(refused.status == 400);
  CHECK(problem_type(refused) == "malformed");
}

TEST_CASE("a profile rule names only profiles that allow the identifier type", "[authority][profiles]") {
  cobble::authority::Policy policy;
  cobble::authority::Profile dns_only;
  dns_only.name = "dns-only";
  dns_only.ip_identifiers = false;
  policy.profiles = {dns_only};
  auto refused = cobble::authority::check_profile_identifiers(policy, dns_only, {{"ip", "192.0.2.1"}});
  REQUIRE_FALSE(refused);
  CHECK(refused.error().detail ==
        "Profile \"dns-only\" does not allow IP addresses (192.0.2.1); no profile of this CA does");
  CHECK(cobble::authority::check_profile_identifiers(policy, dns_only, {{"dns", "a.example"}}));
}
