// keyPolicy (issue #14): which account keys and CSR keys each named policy accepts, end to end
// through newAccount and finalize, and the pure rules in common/key_policy.hpp.
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <catch2/catch.hpp>

#include "common/key_policy.hpp"
#include "common/openssl.hpp"
#include "support/problem_matchers.hpp"
#include "support/test_ca.hpp"

using namespace cobble;
using acme::PrivateKey;
using common::KeyKind;
using test::body_of;
using test::TestCa;
using test::TestClient;

namespace {

// An RSA key of any size, which PrivateKey::generate does not make (it makes 2048).
PrivateKey rsa_key(int bits) {
  common::ossl::PKey key(EVP_RSA_gen(static_cast<unsigned>(bits)));
  REQUIRE(key);
  common::ossl::Bio bio(BIO_new(BIO_s_mem()));
  REQUIRE(PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1);
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  auto parsed = PrivateKey::from_pem(std::string(data, static_cast<std::size_t>(size)));
  REQUIRE(parsed);
  return *parsed;
}

PrivateKey p521_key() { return PrivateKey::generate(PrivateKey::Kind::es512); }

authority::Policy with_key_policy(const std::string& name) {
  authority::Policy policy;
  policy.key_policy = common::key_policy_named(name).value();
  return policy;
}

// Registers an account signed with `key`; returns the reply.
api::Reply register_with(TestClient& client, const PrivateKey& key) {
  client.key = key;
  return client.register_account();
}

// Finalizes a ready order for a.example.com with a CSR under `cert_key`; returns the reply.
api::Reply finalize_with(TestClient& client, const PrivateKey& cert_key) {
  auto order = body_of(client.post_as_get(client.ready_order({"a.example.com"})));
  REQUIRE(order["status"] == "ready");
  return client.post_to(order["finalize"].get<std::string>(),
                        {{"csr", test::make_csr(cert_key, {"a.example.com"})}});
}

}  // namespace

TEST_CASE("the named key policies accept what their CA accepts", "[common][keys]") {
  auto cobble = common::key_policy_named("cobble").value();
  auto pebble = common::key_policy_named("pebble").value();
  auto le = common::key_policy_named("letsencrypt").value();
  CHECK_FALSE(common::key_policy_named("boulder"));
  CHECK(common::default_key_policy().name == "cobble");

  CHECK(common::key_refusal(cobble.account, KeyKind::rsa, 1024) ==
        "RSA key of 1024 bits is too small (minimum 2048)");
  CHECK_FALSE(common::key_refusal(pebble.account, KeyKind::rsa, 1024));
  CHECK_FALSE(common::key_refusal(pebble.certificate, KeyKind::rsa, 1024));
  CHECK_FALSE(common::key_refusal(pebble.certificate, KeyKind::p521, 521));
  CHECK(common::key_refusal(cobble.certificate, KeyKind::p521, 521)
            .value()
            .starts_with("ECDSA key on curve P-521"));
  CHECK_FALSE(common::key_refusal(cobble.account, KeyKind::p521, 521));

  CHECK_FALSE(common::key_refusal(le.account, KeyKind::rsa, 3072));
  CHECK(common::key_refusal(le.account, KeyKind::rsa, 2056) ==
        "RSA key of 2056 bits is not accepted (only 2048, 3072 or 4096)");
  CHECK(common::key_refusal(le.certificate, KeyKind::rsa, 8192) ==
        "RSA key of 8192 bits is too large (maximum 4096)");
  CHECK(common::key_refusal(le.account, KeyKind::p521, 521));
  CHECK(common::key_refusal(le.account, KeyKind::ed25519, 256) ==
        "Ed25519 keys are not accepted (RSA 2048/3072/4096 or ECDSA P-256/P-384)");
  CHECK(common::accepted_keys(cobble.certificate) == "RSA 2048-4096, ECDSA P-256/P-384 or Ed25519");
}

TEST_CASE("the default policy refuses RSA-1024 accounts and P-521 CSRs", "[api][keys]") {
  TestCa ca;
  TestClient small(ca);
  auto refused = register_with(small, rsa_key(1024));
  CHECK(refused.status == 400);
  CHECK(test::problem_type(refused) == "badPublicKey");
  CHECK_THAT(body_of(refused)["detail"].get<std::string>(), Catch::Contains("at least 2048 bits"));

  TestClient client(ca);
  REQUIRE(client.register_account().status == 201);
  auto csr = finalize_with(client, p521_key());
  CHECK(csr.status == 400);
  CHECK(test::problem_type(csr) == "badCSR");
  CHECK_THAT(body_of(csr)["detail"].get<std::string>(), Catch::Contains("P-521 is not accepted"));
}

TEST_CASE("keyPolicy pebble takes RSA-1024 accounts and RSA-1024 and P-521 CSRs, as Pebble", "[api][keys]") {
  TestCa ca(with_key_policy("pebble"));
  TestClient client(ca);
  REQUIRE(register_with(client, rsa_key(1024)).status == 201);
  auto cert_key = GENERATE(1, 2);
  auto finalized = finalize_with(client, cert_key == 1 ? rsa_key(1024) : p521_key());
  CHECK(finalized.status == 200);
  CHECK(body_of(finalized)["status"] == "valid");
}

TEST_CASE("keyPolicy letsencrypt refuses P-521 and Ed25519 accounts and odd RSA sizes", "[api][keys]") {
  TestCa ca(with_key_policy("letsencrypt"));
  for (auto kind : {PrivateKey::Kind::es512, PrivateKey::Kind::eddsa}) {
    TestClient client(ca, kind);
    auto refused = client.register_account();
    CHECK(refused.status == 400);
    CHECK(test::problem_type(refused) == "badPublicKey");
    CHECK_THAT(body_of(refused)["detail"].get<std::string>(), Catch::Contains("not accepted"));
  }
  TestClient odd(ca);
  auto refused = register_with(odd, rsa_key(2056));
  CHECK(test::problem_type(refused) == "badPublicKey");
  CHECK_THAT(body_of(refused)["detail"].get<std::string>(), Catch::Contains("only 2048, 3072 or 4096"));

  TestClient client(ca, PrivateKey::Kind::es384);
  REQUIRE(client.register_account().status == 201);
  auto finalized = finalize_with(client, PrivateKey::generate(PrivateKey::Kind::eddsa));
  CHECK(test::problem_type(finalized) == "badCSR");
  CHECK(finalize_with(client, PrivateKey::generate(PrivateKey::Kind::rs256)).status == 200);
}
