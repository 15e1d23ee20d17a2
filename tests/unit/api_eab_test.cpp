#include <openssl/hmac.h>

#include <catch2/catch.hpp>

#include "acme/eab.hpp"
#include "common/base64url.hpp"
#include "support/test_ca.hpp"

// External account binding through the in-process API (RFC 8555 §7.3.4).

using cobble::acme::PrivateKey;
using cobble::test::body_of;
using cobble::test::problem_type;
using cobble::test::TestCa;
using cobble::test::TestClient;

namespace {

const std::string kNewAccount = "https://ca.test:14000/acme/new-account";
const std::string kMacKey = "0123456789abcdef0123456789abcdef";  // raw bytes

cobble::authority::Policy eab_policy(bool required = true) {
  cobble::authority::Policy policy;
  policy.external_account_required = required;
  policy.external_account_mac_keys = {{"kid-1", kMacKey}, {"kid-2", "another key entirely"}};
  return policy;
}

nlohmann::json binding(TestClient& client, const std::string& kid = "kid-1", const std::string& key = kMacKey,
                       const std::string& alg = "HS256") {
  return cobble::acme::sign_external_account_binding(kid, key, client.key.public_key(), kNewAccount, alg);
}

// A binding with a hand-made protected header, MACed with kMacKey under HS256.
nlohmann::json binding_with_header(const nlohmann::json& header, const nlohmann::json& payload) {
  using cobble::common::base64url_encode;
  auto protected_b64 = base64url_encode(header.dump());
  auto payload_b64 = base64url_encode(payload.dump());
  std::string mac(32, '\0');
  unsigned int length = 0;
  auto input = protected_b64 + "." + payload_b64;
  HMAC(EVP_sha256(), kMacKey.data(), static_cast<int>(kMacKey.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(),
       reinterpret_cast<unsigned char*>(mac.data()), &length);
  return {{"protected", protected_b64}, {"payload", payload_b64}, {"signature", base64url_encode(mac)}};
}

nlohmann::json account_request(const nlohmann::json& eab) {
  return {{"termsOfServiceAgreed", true}, {"externalAccountBinding", eab}};
}

std::string detail_of(const cobble::api::Reply& reply) { return body_of(reply).value("detail", ""); }

}  // namespace

TEST_CASE("newAccount with a valid binding creates the account and echoes the binding", "[api][eab]") {
  TestCa ca(eab_policy());
  auto alg = GENERATE(std::string("HS256"), std::string("HS384"), std::string("HS512"));
  CAPTURE(alg);
  TestClient client(ca);
  auto eab = binding(client, "kid-1", kMacKey, alg);
  auto created = client.register_account(account_request(eab));
  REQUIRE(created.status == 201);
  CHECK(body_of(created)["externalAccountBinding"] == eab);
  // The account keeps it: a later POST-as-GET shows the same binding, and the store knows the kid.
  auto fetched = client.post_as_get(client.kid);
  CHECK(body_of(fetched)["externalAccountBinding"] == eab);
  auto id = std::stoll(client.kid.substr(client.kid.rfind('/') + 1));
  CHECK(ca.store->find_account(id)->eab_key_id == "kid-1");
}

TEST_CASE("a required binding that is missing is externalAccountRequired", "[api][eab]") {
  TestCa ca(eab_policy());
  TestClient client(ca);
  auto refused = client.register_account();
  CHECK(refused.status == 403);
  CHECK(problem_type(refused) == "externalAccountRequired");
  CHECK_THAT(detail_of(refused), Catch::Contains("externalAccountBinding"));
}

TEST_CASE("an account made with a binding is found again without one (RFC 8555 §7.3.1)", "[api][eab]") {
  TestCa ca(eab_policy());
  TestClient client(ca);
  REQUIRE(client.register_account(account_request(binding(client))).status == 201);
  auto again = client.register_account();
  CHECK(again.status == 200);
  auto existing = client.register_account({{"onlyReturnExisting", true}});
  CHECK(existing.status == 200);
  CHECK(existing.header("Location") == client.kid);
  // onlyReturnExisting with a binding for an unknown key still creates nothing.
  TestClient stranger(ca);
  auto unknown = stranger.register_account(
      {{"onlyReturnExisting", true}, {"externalAccountBinding", binding(stranger)}});
  CHECK(problem_type(unknown) == "accountDoesNotExist");
}

TEST_CASE("one MAC key may bind several accounts", "[api][eab]") {
  TestCa ca(eab_policy());
  TestClient first(ca), second(ca);
  CHECK(first.register_account(account_request(binding(first))).status == 201);
  CHECK(second.register_account(account_request(binding(second))).status == 201);
  CHECK(first.kid != second.kid);
}

TEST_CASE("a binding is checked even when not required, and optional when absent", "[api][eab]") {
  TestCa ca(eab_policy(false));
  TestClient plain(ca);
  auto created = plain.register_account();
  CHECK(created.status == 201);
  CHECK_FALSE(body_of(created).contains("externalAccountBinding"));
  TestClient bad(ca);
  auto refused = bad.register_account(account_request(binding(bad, "kid-1", "wrong key")));
  CHECK(refused.status == 403);
  CHECK(problem_type(refused) == "unauthorized");
}

TEST_CASE("bad bindings are refused with the problem that names the mistake", "[api][eab]") {
  TestCa ca(eab_policy());
  TestClient client(ca);
  auto jwk = client.key.public_key().to_jwk();
  struct Case {
    std::string name;
    nlohmann::json eab;
    int status;
    std::string type;
    std::string detail;
  };
  std::vector<Case> cases = {
      {"unknown key id", binding(client, "kid-9"), 403, "unauthorized", "kid-9"},
      {"wrong MAC key", binding(client, "kid-1", "not the key"), 403, "unauthorized", "does not verify"},
      {"MAC of another kid", binding(client, "kid-2", kMacKey), 403, "unauthorized", "does not verify"},
      {"asymmetric alg", binding_with_header({{"alg", "ES256"}, {"kid", "kid-1"}, {"url", kNewAccount}}, jwk),
       400, "malformed", "HS256"},
      {"no alg", binding_with_header({{"kid", "kid-1"}, {"url", kNewAccount}}, jwk), 400, "malformed", "alg"},
      {"no kid", binding_with_header({{"alg", "HS256"}, {"url", kNewAccount}}, jwk), 400, "malformed", "kid"},
      {"nonce present",
       binding_with_header({{"alg", "HS256"}, {"kid", "kid-1"}, {"url", kNewAccount}, {"nonce", "abc"}}, jwk),
       400, "malformed", "nonce"},
      {"url of another resource",
       binding_with_header(
           {{"alg", "HS256"}, {"kid", "kid-1"}, {"url", "https://ca.test:14000/acme/new-order"}}, jwk),
       400, "malformed", "url"},
      {"payload is another key",
       binding_with_header({{"alg", "HS256"}, {"kid", "kid-1"}, {"url", kNewAccount}},
                           PrivateKey::generate(PrivateKey::Kind::es256).public_key().to_jwk()),
       400, "badPublicKey", "not the key"},
      {"payload is not a key",
       binding_with_header({{"alg", "HS256"}, {"kid", "kid-1"}, {"url", kNewAccount}}, {{"hello", 1}}), 400,
       "badPublicKey", "not the key"},
      {"not a JWS", nlohmann::json("a string"), 400, "malformed", "flattened JWS"},
      {"signature missing",
       [&] {
         auto eab = binding(client);
         eab.erase("signature");
         return eab;
       }(),
       400, "malformed", "signature"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    auto refused = client.register_account(account_request(c.eab));
    CHECK(refused.status == c.status);
    CHECK(problem_type(refused) == c.type);
    CHECK_THAT(detail_of(refused), Catch::Contains(c.detail));
  }
  // None of them made an account.
  CHECK(problem_type(client.register_account({{"onlyReturnExisting", true}})) == "accountDoesNotExist");
}

TEST_CASE("the directory says whether a binding is required", "[api][eab]") {
  TestCa ca(eab_policy());
  ca.services->meta.external_account_required = true;
  auto dir = body_of(ca.send("GET", "/dir", "", ""));
  CHECK(dir["meta"]["externalAccountRequired"] == true);
}
