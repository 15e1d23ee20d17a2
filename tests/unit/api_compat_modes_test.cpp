#include <catch2/catch.hpp>
#include <set>

#include "support/test_ca.hpp"

// The wire choices Pebble mode and Let's Encrypt mode switch (termsRefusal,
// finalizeAnswersProcessing, revocationReasons, directoryRandomEntry), each against Cobble's
// default, through the in-process API.

using cobble::authority::Policy;
using cobble::authority::TermsRefusal;
using cobble::test::body_of;
using cobble::test::make_csr;
using cobble::test::problem_type;
using cobble::test::TestCa;
using cobble::test::TestClient;

namespace {

const std::vector<std::string> kNames = {"example.com", "www.example.com"};

Policy terms_required(TermsRefusal refusal) {
  Policy policy;
  policy.require_terms_of_service = true;
  policy.terms_of_service_url = "https://ca.test/terms.pdf";
  policy.terms_refusal = refusal;
  return policy;
}

// The DER leaf of `order` (valid), fetched as its account.
std::string leaf_der(TestClient& client, const nlohmann::json& order) {
  auto chain = client.post_as_get(order["certificate"].get<std::string>());
  REQUIRE(chain.status == 200);
  auto der = cobble::ca::first_certificate_der(chain.body);
  REQUIRE(der.has_value());
  return *der;
}

nlohmann::json revocation(const std::string& der, int reason) {
  return {{"certificate", cobble::common::base64url_encode(der)}, {"reason", reason}};
}

}  // namespace

TEST_CASE("termsRefusal picks the problem a newAccount without agreement gets", "[api][modes]") {
  struct Case {
    TermsRefusal refusal;
    int status;
    std::string type;
    std::string detail;
  };
  auto c = GENERATE(Case{TermsRefusal::user_action_required, 403, "userActionRequired",
                         "You must agree to the terms of service (https://ca.test/terms.pdf) by setting "
                         "termsOfServiceAgreed"},
                    Case{TermsRefusal::agreement_required, 403, "agreementRequired",
                         "Provided account did not agree to the terms of service"},
                    Case{TermsRefusal::malformed, 400, "malformed", "must agree to terms of service"});
  CAPTURE(c.type);
  TestCa ca(terms_required(c.refusal));
  TestClient client(ca);
  auto refused = client.register_account({{"termsOfServiceAgreed", false}});
  CHECK(refused.status == c.status);
  CHECK(problem_type(refused) == c.type);
  CHECK(body_of(refused)["detail"] == c.detail);
  CHECK(cobble::test::link_target(refused, "terms-of-service") == "https://ca.test/terms.pdf");
  CHECK(!refused.header("Replay-Nonce").empty());
  CHECK(client.register_account().status == 201);
}

TEST_CASE("finalizeAnswersProcessing: finalize shows processing, the next poll the certificate",
          "[api][modes]") {
  Policy policy;
  policy.finalize_answers_processing = true;
  policy.retry_after_seconds = 3;
  TestCa ca(policy);
  TestClient client(ca);
  REQUIRE(client.register_account().status == 201);
  auto order_url = client.ready_order(kNames);
  auto order = body_of(client.post_as_get(order_url));
  auto key = cobble::acme::PrivateKey::generate(cobble::acme::PrivateKey::Kind::es256);
  auto reply = client.post_to(order["finalize"].get<std::string>(), {{"csr", make_csr(key, kNames)}});
  REQUIRE(reply.status == 200);
  CHECK(reply.header("Location") == order_url);
  CHECK(reply.header("Retry-After") == "3");
  auto answered = body_of(reply);
  CHECK(answered["status"] == "processing");
  CHECK(!answered.contains("certificate"));

  auto polled = client.post_as_get(order_url);
  REQUIRE(polled.status == 200);
  auto valid = body_of(polled);
  CHECK(valid["status"] == "valid");
  REQUIRE(valid.contains("certificate"));
  CHECK(polled.header("Retry-After").empty());
  CHECK(!leaf_der(client, valid).empty());
}

TEST_CASE("without finalizeAnswersProcessing finalize answers valid with the certificate", "[api][modes]") {
  TestCa ca;
  TestClient client(ca);
  REQUIRE(client.register_account().status == 201);
  auto key = cobble::acme::PrivateKey::generate(cobble::acme::PrivateKey::Kind::es256);
  auto order = client.valid_order(kNames, key);
  CHECK(order["status"] == "valid");
  CHECK(order.contains("certificate"));
}

TEST_CASE("revocationReasons narrows the reasons revokeCert accepts, and the refusal lists them",
          "[api][modes]") {
  Policy policy;
  policy.revocation_reasons = {0, 1, 4, 5};
  TestCa ca(policy);
  TestClient client(ca);
  REQUIRE(client.register_account().status == 201);
  auto key = cobble::acme::PrivateKey::generate(cobble::acme::PrivateKey::Kind::es256);
  auto order = client.valid_order(kNames, key);
  auto der = leaf_der(client, order);

  auto refused_reason = GENERATE(2, 3, 6, 9, 10);
  CAPTURE(refused_reason);
  auto refused = client.post("/acme/revoke-cert", revocation(der, refused_reason));
  CHECK(refused.status == 400);
  CHECK(problem_type(refused) == "badRevocationReason");
  CHECK(body_of(refused)["detail"] ==
        "Revocation reason " + std::to_string(refused_reason) + " is not allowed (use 0, 1, 4, 5)");

  auto accepted = client.post("/acme/revoke-cert", revocation(der, 4));
  CHECK(accepted.status == 200);
}

TEST_CASE("by default every RFC 5280 reason but 7 is accepted", "[api][modes]") {
  TestCa ca;
  TestClient client(ca);
  REQUIRE(client.register_account().status == 201);
  auto reason = GENERATE(2, 3, 6, 9, 10);
  CAPTURE(reason);
  auto key = cobble::acme::PrivateKey::generate(cobble::acme::PrivateKey::Kind::es256);
  auto der = leaf_der(client, client.valid_order(kNames, key));
  CHECK(client.post("/acme/revoke-cert", revocation(der, reason)).status == 200);
}

TEST_CASE("directoryRandomEntry adds one key of random name per request", "[api][modes]") {
  const std::set<std::string> kStandard = {"newNonce",  "newAccount",  "newOrder", "revokeCert",
                                           "keyChange", "renewalInfo", "meta"};
  auto extra_keys = [&](const nlohmann::json& directory) {
    std::vector<std::string> extra;
    for (const auto& [key, value] : directory.items())
      if (!kStandard.contains(key)) extra.push_back(key);
    return extra;
  };
  TestCa ca;
  auto plain = body_of(ca.send("GET", "/dir", "", ""));
  CHECK(extra_keys(plain).empty());

  ca.services->meta.random_entry = true;
  auto first = extra_keys(body_of(ca.send("GET", "/dir", "", "")));
  auto second = extra_keys(body_of(ca.send("GET", "/dir", "", "")));
  REQUIRE(first.size() == 1);
  REQUIRE(second.size() == 1);
  CHECK(first[0] != second[0]);
  CHECK(first[0].size() == 11);  // 8 random bytes, base64url
  CHECK(body_of(ca.send("GET", "/dir", "", ""))[first[0]].is_null());
}
