#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>

#include "ca/crl.hpp"
#include "ca/x509_build.hpp"
#include "support/test_ca.hpp"

// CRLs (RFC 5280 §5) of the intermediate, served at /crl/0, and the CRLDP / AIA OCSP of leaves.

using cobble::acme::PrivateKey;
using cobble::test::body_of;
using cobble::test::TestCa;
using cobble::test::TestClient;
namespace ossl = cobble::ca::ossl;
using namespace std::chrono_literals;
using Crl = std::unique_ptr<X509_CRL, ossl::FreeWith<X509_CRL_free>>;

namespace {

cobble::authority::Policy with_urls() {
  cobble::authority::Policy policy;
  policy.crl_url = "http://ca.test:14080/crl/0";
  policy.ocsp_url = "http://ocsp.ca.test/";
  return policy;
}

struct Fixture {
  TestCa ca{with_urls()};
  TestClient client{ca};
  PrivateKey cert_key = PrivateKey::generate(PrivateKey::Kind::es256);
  Fixture() { REQUIRE(client.register_account().status == 201); }

  // Issues a certificate: its DER and serial.
  std::pair<std::string, std::string> issue() {
    auto order = client.valid_order({"example.com"}, cert_key);
    auto url = order["certificate"].get<std::string>();
    auto chain = client.post_as_get(url);
    return {cobble::ca::first_certificate_der(chain.body).value(), url.substr(url.rfind('/') + 1)};
  }
  Crl fetch() {
    auto reply = ca.send("GET", "/crl/0", "", "");
    REQUIRE(reply.status == 200);
    CHECK(reply.content_type == "application/pkix-crl");
    const auto* p = reinterpret_cast<const unsigned char*>(reply.body.data());
    Crl crl(d2i_X509_CRL(nullptr, &p, static_cast<long>(reply.body.size())));
    REQUIRE(crl);
    return crl;
  }
};

// The entry for `serial_hex` and its reason code (-1: no reasonCode extension); nullopt if absent.
std::optional<int> reason_listed(X509_CRL* crl, const std::string& serial_hex) {
  auto* entries = X509_CRL_get_REVOKED(crl);
  for (int i = 0; i < sk_X509_REVOKED_num(entries); ++i) {
    X509_REVOKED* entry = sk_X509_REVOKED_value(entries, i);
    if (ossl::serial_hex(X509_REVOKED_get0_serialNumber(entry)) != serial_hex) continue;
    std::unique_ptr<ASN1_ENUMERATED, ossl::FreeWith<ASN1_ENUMERATED_free>> reason(
        static_cast<ASN1_ENUMERATED*>(X509_REVOKED_get_ext_d2i(entry, NID_crl_reason, nullptr, nullptr)));
    return reason ? static_cast<int>(ASN1_ENUMERATED_get(reason.get())) : -1;
  }
  return std::nullopt;
}

}  // namespace

TEST_CASE("the CRL is a v2 CRL signed by the intermediate with number and AKI", "[ca][crl]") {
  Fixture f;
  auto crl = f.fetch();
  auto intermediate = ossl::cert_from_pem(f.ca.ca->intermediate_pem()).value();
  CHECK(X509_CRL_verify(crl.get(), X509_get0_pubkey(intermediate.get())) == 1);
  CHECK(X509_NAME_cmp(X509_CRL_get_issuer(crl.get()), X509_get_subject_name(intermediate.get())) == 0);
  CHECK(X509_CRL_get_version(crl.get()) == X509_CRL_VERSION_2);
  CHECK(X509_CRL_get0_nextUpdate(crl.get()) != nullptr);
  std::unique_ptr<ASN1_INTEGER, ossl::FreeWith<ASN1_INTEGER_free>> number(
      static_cast<ASN1_INTEGER*>(X509_CRL_get_ext_d2i(crl.get(), NID_crl_number, nullptr, nullptr)));
  CHECK(number);
  std::unique_ptr<AUTHORITY_KEYID, ossl::FreeWith<AUTHORITY_KEYID_free>> akid(static_cast<AUTHORITY_KEYID*>(
      X509_CRL_get_ext_d2i(crl.get(), NID_authority_key_identifier, nullptr, nullptr)));
  REQUIRE(akid);
  CHECK(ASN1_OCTET_STRING_cmp(akid->keyid, X509_get0_subject_key_id(intermediate.get())) == 0);
  CHECK(sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl.get())) <= 0);  // none listed (OpenSSL: no stack)
}

TEST_CASE("a revocation shows in the CRL after the refresh interval, not before", "[ca][crl]") {
  Fixture f;
  auto [der, serial] = f.issue();
  auto before = f.fetch();  // made now: cached for 60 s
  REQUIRE(
      f.client
          .post("/acme/revoke-cert", {{"certificate", cobble::common::base64url_encode(der)}, {"reason", 1}})
          .status == 200);
  CHECK_FALSE(reason_listed(f.fetch().get(), serial));
  f.ca.clock.advance(61s);
  auto after = f.fetch();
  CHECK(reason_listed(after.get(), serial) == 1);  // keyCompromise
  std::unique_ptr<ASN1_INTEGER, ossl::FreeWith<ASN1_INTEGER_free>> n1(
      static_cast<ASN1_INTEGER*>(X509_CRL_get_ext_d2i(before.get(), NID_crl_number, nullptr, nullptr)));
  std::unique_ptr<ASN1_INTEGER, ossl::FreeWith<ASN1_INTEGER_free>> n2(
      static_cast<ASN1_INTEGER*>(X509_CRL_get_ext_d2i(after.get(), NID_crl_number, nullptr, nullptr)));
  CHECK(ASN1_INTEGER_cmp(n1.get(), n2.get()) < 0);
}

TEST_CASE("an unspecified reason leaves the reasonCode out and expired entries drop off", "[ca][crl]") {
  Fixture f;
  auto [der, serial] = f.issue();
  REQUIRE(
      f.client.post("/acme/revoke-cert", {{"certificate", cobble::common::base64url_encode(der)}}).status ==
      200);
  CHECK(reason_listed(f.fetch().get(), serial) == -1);
  f.ca.clock.advance(91 * 24h);
  CHECK_FALSE(reason_listed(f.fetch().get(), serial));
}

TEST_CASE("the CRL parses with the openssl command line", "[ca][crl]") {
  Fixture f;
  auto [der, serial] = f.issue();
  REQUIRE(
      f.client
          .post("/acme/revoke-cert", {{"certificate", cobble::common::base64url_encode(der)}, {"reason", 4}})
          .status == 200);
  auto reply = f.ca.send("GET", "/crl/0", "", "");
  auto file = f.ca.dir.file("crl.der");
  std::ofstream(file, std::ios::binary) << reply.body;
  auto out = f.ca.dir.file("crl.txt");
  REQUIRE(std::system(("openssl crl -inform DER -in " + file + " -noout -text > " + out).c_str()) == 0);
  std::ifstream in(out);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(text.find("Superseded") != std::string::npos);
  CHECK(text.find("X509v3 CRL Number") != std::string::npos);
}

TEST_CASE("other CRL numbers are 404", "[ca][crl]") {
  Fixture f;
  CHECK(f.ca.send("GET", "/crl/1", "", "").status == 404);
}

TEST_CASE("issued certificates carry the CRL distribution point and the OCSP URL", "[ca][crl]") {
  Fixture f;
  auto [der, serial] = f.issue();
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ossl::Cert leaf(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  REQUIRE(leaf);
  ossl::Bio bio(BIO_new(BIO_s_mem()));
  X509_print_ex(bio.get(), leaf.get(), 0, 0);
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  std::string text(data, static_cast<std::size_t>(size));
  CHECK(text.find("URI:http://ca.test:14080/crl/0") != std::string::npos);
  CHECK(text.find("OCSP - URI:http://ocsp.ca.test/") != std::string::npos);
}

TEST_CASE("the CRL signer refuses a serial that is not hex", "[ca][crl]") {
  TestCa ca;
  cobble::ca::CrlRequest request;
  request.this_update = ca.clock.now();
  request.next_update = ca.clock.now() + 1h;
  request.revoked.push_back({"xyz", ca.clock.now(), 0});
  auto der = cobble::ca::sign_crl(*ca.ca, request);
  REQUIRE_FALSE(der);
  CHECK(der.error().message.find("xyz") != std::string::npos);
}
