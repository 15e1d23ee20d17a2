#include <openssl/pem.h>

#include <catch2/catch.hpp>
#include <ctime>

#include "support/test_ca.hpp"

// Finalization, certificate download and revocation through the in-process API (RFC 8555
// §7.4, §7.4.2, §7.6).

using cobble::acme::PrivateKey;
using cobble::test::body_of;
using cobble::test::make_csr;
using cobble::test::problem_type;
using cobble::test::TestCa;
using cobble::test::TestClient;
namespace ossl = cobble::ca::ossl;

namespace {

const std::string kBase = "https://ca.test:14000";
const std::vector<std::string> kNames = {"example.com", "www.example.com"};

struct Fixture {
  TestCa ca;
  TestClient client{ca};
  PrivateKey cert_key = PrivateKey::generate(PrivateKey::Kind::es256);
  Fixture() { REQUIRE(client.register_account().status == 201); }
  nlohmann::json get(const std::string& url) {
    auto reply = client.post_as_get(url);
    REQUIRE(reply.status == 200);
    return body_of(reply);
  }
  // A ready order for kNames: its JSON.
  nlohmann::json ready() {
    auto order = get(client.ready_order(kNames));
    REQUIRE(order["status"] == "ready");
    return order;
  }
  cobble::api::Reply finalize(const nlohmann::json& order, const nlohmann::json& payload) {
    return client.post_to(order["finalize"].get<std::string>(), payload);
  }
  // The DER of the leaf of a valid order's certificate.
  std::string leaf_der(const nlohmann::json& order) {
    auto chain = client.post_as_get(order["certificate"].get<std::string>());
    REQUIRE(chain.status == 200);
    auto der = cobble::ca::first_certificate_der(chain.body);
    REQUIRE(der.has_value());
    return *der;
  }
  nlohmann::json status_of(const nlohmann::json& order) {
    auto url = order["certificate"].get<std::string>();
    auto reply = ca.manage("/cert-status-by-serial/" + url.substr(url.rfind('/') + 1));
    REQUIRE(reply.status == 200);
    return body_of(reply);
  }
};

// An order's URL: its finalize URL without "/finalize".
std::string url_of(const nlohmann::json& order) {
  auto finalize = order["finalize"].get<std::string>();
  return finalize.substr(0, finalize.size() - std::string_view("/finalize").size());
}

nlohmann::json revocation(const std::string& der, std::optional<int> reason = std::nullopt) {
  nlohmann::json payload = {{"certificate", cobble::common::base64url_encode(der)}};
  if (reason) payload["reason"] = *reason;
  return payload;
}

std::vector<ossl::Cert> certs_of(const std::string& pem) {
  std::vector<ossl::Cert> certs;
  ossl::Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) certs.emplace_back(cert);
  return certs;
}

std::vector<std::string> dns_names_of(X509* cert) {
  std::vector<std::string> names;
  ossl::GeneralNames sans(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  REQUIRE(sans != nullptr);
  for (int i = 0; i < sk_GENERAL_NAME_num(sans.get()); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(sans.get(), i);
    REQUIRE(name->type == GEN_DNS);
    const ASN1_IA5STRING* dns = name->d.dNSName;
    names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)), ASN1_STRING_length(dns));
  }
  return names;
}

}  // namespace

TEST_CASE("finalize before the order is ready is orderNotReady", "[api]") {
  Fixture f;
  auto order = body_of(f.client.new_order(kNames));
  auto reply = f.finalize(order, {{"csr", make_csr(f.cert_key, kNames)}});
  CHECK(reply.status == 403);
  CHECK(problem_type(reply) == "orderNotReady");
  CHECK(f.get(f.client.kid + "/orders")["orders"].size() == 1);
}

TEST_CASE("finalize refuses a CSR that names anything but the order's identifiers", "[api]") {
  Fixture f;
  auto order = f.ready();
  auto [what, names, cn] = GENERATE(table<std::string, std::vector<std::string>, std::string>({
      {"an extra name", {"example.com", "www.example.com", "mail.example.com"}, ""},
      {"a missing name", {"example.com"}, ""},
      {"other names", {"example.org", "www.example.org"}, ""},
      {"a common name outside the order", {"example.com", "www.example.com"}, "other.example.com"},
      {"no names at all", {}, ""},
  }));
  CAPTURE(what);
  auto reply = f.finalize(order, {{"csr", make_csr(f.cert_key, names, cn)}});
  CHECK(reply.status == 400);
  CHECK(problem_type(reply) == "badCSR");
  CHECK(f.get(url_of(order))["status"] == "ready");
}

TEST_CASE("finalize accepts a common name that is one of the order's identifiers", "[api]") {
  Fixture f;
  auto order = f.ready();
  auto reply = f.finalize(order, {{"csr", make_csr(f.cert_key, {"www.example.com"}, "Example.com")}});
  CHECK(reply.status == 200);
  CHECK(body_of(reply)["status"] == "valid");
}

TEST_CASE("finalize refuses a CSR for the account key", "[api]") {
  Fixture f;
  auto order = f.ready();
  auto reply = f.finalize(order, {{"csr", make_csr(f.client.key, kNames)}});
  CHECK(reply.status == 400);
  CHECK(problem_type(reply) == "badCSR");
}

TEST_CASE("finalize refuses a csr member that is missing, not base64url or not a CSR", "[api]") {
  Fixture f;
  auto order = f.ready();
  auto [what, payload, type] = GENERATE(table<std::string, nlohmann::json, std::string>({
      {"no csr", nlohmann::json::object(), "malformed"},
      {"a number", {{"csr", 42}}, "malformed"},
      {"not base64url", {{"csr", "not base64url!"}}, "malformed"},
      {"padded base64", {{"csr", "Z2FyYmFnZQ=="}}, "malformed"},
      {"garbage bytes", {{"csr", "Z2FyYmFnZQ"}}, "badCSR"},
  }));
  CAPTURE(what);
  auto reply = f.finalize(order, payload);
  CHECK(reply.status == 400);
  CHECK(problem_type(reply) == type);
}

TEST_CASE("a good CSR makes the order valid with a certificate chain that verifies to the root", "[api]") {
  Fixture f;
  auto order = f.ready();
  auto reply = f.finalize(order, {{"csr", make_csr(f.cert_key, kNames)}});
  REQUIRE(reply.status == 200);
  auto order_url = url_of(order);
  CHECK(reply.header("Location") == order_url);
  auto valid = body_of(reply);
  CHECK(valid["status"] == "valid");
  REQUIRE(valid.contains("certificate"));
  CHECK(valid["certificate"].get<std::string>().starts_with(kBase + "/acme/cert/"));
  CHECK(f.get(order_url) == valid);

  auto download = f.client.post_as_get(valid["certificate"].get<std::string>());
  REQUIRE(download.status == 200);
  CHECK(download.content_type == "application/pem-certificate-chain");
  auto chain = certs_of(download.body);
  REQUIRE(chain.size() == 2);
  X509* leaf = chain[0].get();
  CHECK(dns_names_of(leaf) == kNames);
  CHECK(X509_NAME_get_index_by_NID(X509_get_subject_name(leaf), NID_commonName, -1) == -1);
  ossl::PKey leaf_key(X509_get_pubkey(leaf));
  CHECK(EVP_PKEY_eq(leaf_key.get(), f.cert_key.native()) == 1);

  auto root = ossl::cert_from_pem(f.ca.ca->root_pem());
  REQUIRE(root.has_value());
  ossl::Store store(X509_STORE_new());
  REQUIRE(X509_STORE_add_cert(store.get(), root->get()) == 1);
  ossl::CertStack untrusted(sk_X509_new_null());
  REQUIRE(X509_up_ref(chain[1].get()) == 1);
  sk_X509_push(untrusted.get(), chain[1].get());
  ossl::StoreCtx ctx(X509_STORE_CTX_new());
  REQUIRE(X509_STORE_CTX_init(ctx.get(), store.get(), leaf, untrusted.get()) == 1);
  X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_SERVER);
  X509_STORE_CTX_set_time(ctx.get(), 0, std::chrono::system_clock::to_time_t(f.ca.clock.now()));
  int verified = X509_verify_cert(ctx.get());
  CAPTURE(X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get())));
  CHECK(verified == 1);

  auto status = f.status_of(valid);
  CHECK(status["Status"] == "Valid");
}

TEST_CASE("finalizing a valid order again is orderNotReady", "[api]") {
  Fixture f;
  auto order = f.ready();
  REQUIRE(f.finalize(order, {{"csr", make_csr(f.cert_key, kNames)}}).status == 200);
  auto again = f.finalize(order, {{"csr", make_csr(f.cert_key, kNames)}});
  CHECK(again.status == 403);
  CHECK(problem_type(again) == "orderNotReady");
}

TEST_CASE("the issuing account revokes a certificate once, with its reason", "[api]") {
  Fixture f;
  auto order = f.client.valid_order(kNames, f.cert_key);
  auto der = f.leaf_der(order);
  auto reply = f.client.post("/acme/revoke-cert", revocation(der, 4));
  CHECK(reply.status == 200);
  CHECK(reply.body.empty());
  auto status = f.status_of(order);
  CHECK(status["Status"] == "Revoked");
  CHECK(status["Reason"] == 4);
  CHECK(status.contains("RevokedAt"));

  auto again = f.client.post("/acme/revoke-cert", revocation(der, 4));
  CHECK(again.status == 400);
  CHECK(problem_type(again) == "alreadyRevoked");
}

TEST_CASE("another account cannot revoke a certificate, and a stranger's key neither", "[api]") {
  Fixture f;
  auto order = f.client.valid_order(kNames, f.cert_key);
  auto der = f.leaf_der(order);
  TestClient mallory(f.ca);
  REQUIRE(mallory.register_account().status == 201);
  auto by_account = mallory.post("/acme/revoke-cert", revocation(der));
  CHECK(by_account.status == 403);
  CHECK(problem_type(by_account) == "unauthorized");
  TestClient stranger(f.ca);
  auto by_key = stranger.post("/acme/revoke-cert", revocation(der), /*use_jwk=*/true);
  CHECK(by_key.status == 403);
  CHECK(problem_type(by_key) == "unauthorized");
  CHECK(f.status_of(order)["Status"] == "Valid");
}

TEST_CASE("the certificate's own key revokes it with a jwk-signed request", "[api]") {
  Fixture f;
  auto order = f.client.valid_order(kNames, f.cert_key);
  auto der = f.leaf_der(order);
  TestClient holder(f.ca);
  holder.key = f.cert_key;
  auto reply = holder.post("/acme/revoke-cert", revocation(der), /*use_jwk=*/true);
  CHECK(reply.status == 200);
  auto status = f.status_of(order);
  CHECK(status["Status"] == "Revoked");
  CHECK(status["Reason"] == 0);
}

TEST_CASE("revocation refuses reasons outside RFC 5280's usable codes", "[api]") {
  Fixture f;
  auto order = f.client.valid_order(kNames, f.cert_key);
  auto der = f.leaf_der(order);
  auto reason = GENERATE(7, 11, -1, 1001);
  CAPTURE(reason);
  auto reply = f.client.post("/acme/revoke-cert", revocation(der, reason));
  CHECK(reply.status == 400);
  CHECK(problem_type(reply) == "badRevocationReason");
  CHECK(f.status_of(order)["Status"] == "Valid");
}

TEST_CASE("revocation refuses a certificate member that is missing or not one of ours", "[api]") {
  Fixture f;
  auto what = GENERATE(as<std::string>{}, "no certificate", "a string reason", "garbage", "the root");
  CAPTURE(what);
  nlohmann::json payload;
  int status = 400;
  if (what == "no certificate") payload = {{"reason", 1}};
  if (what == "a string reason") payload = {{"certificate", "Z2FyYmFnZQ"}, {"reason", "1"}};
  if (what == "garbage") payload = revocation("garbage");
  if (what == "the root") {
    payload = revocation(*cobble::ca::first_certificate_der(f.ca.ca->root_pem()));
    status = 404;
  }
  auto reply = f.client.post("/acme/revoke-cert", payload);
  CHECK(reply.status == status);
  CHECK(problem_type(reply) == "malformed");
}
