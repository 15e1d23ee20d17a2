#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <map>

#include "ca/crl.hpp"
#include "ca/x509_build.hpp"
#include "support/test_ca.hpp"
#include "support/x509_inspect.hpp"

// CRLs (RFC 5280 §5) of the intermediate, served at /crl/0, and the CRLDP / AIA OCSP of leaves.

using cobble::acme::PrivateKey;
using cobble::test::body_of;
using cobble::test::crl_distribution_point;
using cobble::test::TestCa;
using cobble::test::TestClient;
namespace ossl = cobble::ca::ossl;
using namespace std::chrono_literals;
using Crl = std::unique_ptr<X509_CRL, ossl::FreeWith<X509_CRL_free>>;

namespace {

cobble::authority::Policy with_urls() {
  cobble::authority::Policy policy;
  policy.crl = {"http://ca.test:14080/crl/", 0};
  policy.ocsp_url = "http://ocsp.ca.test/";
  policy.certificate_policies = {"2.23.140.1.2.1"};
  return policy;
}

struct Fixture {
  TestCa ca;
  TestClient client{ca};
  PrivateKey cert_key = PrivateKey::generate(PrivateKey::Kind::es256);
  explicit Fixture(cobble::authority::Policy policy = with_urls()) : ca(std::move(policy)) {
    REQUIRE(client.register_account().status == 201);
  }

  // Issues a certificate: its DER and serial.
  std::pair<std::string, std::string> issue() {
    auto order = client.valid_order({"example.com"}, cert_key);
    auto url = order["certificate"].get<std::string>();
    auto chain = client.post_as_get(url);
    return {cobble::ca::first_certificate_der(chain.body).value(), url.substr(url.rfind('/') + 1)};
  }
  Crl fetch(const std::string& name = "0") {
    auto reply = ca.send("GET", "/crl/" + name, "", "");
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
  for (const char* name : {"1", "1.crl", "-1", "x", "0x1", "99999", ".crl"}) {
    CAPTURE(name);
    CHECK(f.ca.send("GET", std::string("/crl/") + name, "", "").status == 404);
  }
}

TEST_CASE("issued certificates carry the CRL distribution point, the OCSP URL and the policies",
          "[ca][crl]") {
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
  CHECK(text.find("Policy: 2.23.140.1.2.1") != std::string::npos);
}

TEST_CASE("without policies a leaf has no certificatePolicies extension", "[ca][crl]") {
  Fixture f(cobble::authority::Policy{});
  auto [der, serial] = f.issue();
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ossl::Cert leaf(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  REQUIRE(leaf);
  CHECK(X509_get_ext_by_NID(leaf.get(), NID_certificate_policies, -1) < 0);
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

namespace {

// The URI of a CRL's Issuing Distribution Point, and whether the extension is critical and says
// onlyContainsUserCerts; nullopt without one.
struct Idp {
  std::string uri;
  bool critical = false;
  bool only_user = false;
};
std::optional<Idp> idp_of(X509_CRL* crl) {
  int at = X509_CRL_get_ext_by_NID(crl, NID_issuing_distribution_point, -1);
  if (at < 0) return std::nullopt;
  Idp out;
  out.critical = X509_EXTENSION_get_critical(X509_CRL_get_ext(crl, at)) == 1;
  std::unique_ptr<ISSUING_DIST_POINT, ossl::FreeWith<ISSUING_DIST_POINT_free>> idp(
      static_cast<ISSUING_DIST_POINT*>(
          X509_CRL_get_ext_d2i(crl, NID_issuing_distribution_point, nullptr, nullptr)));
  REQUIRE(idp);
  out.only_user = idp->onlyuser != 0;
  REQUIRE(idp->distpoint);
  REQUIRE(idp->distpoint->type == 0);
  GENERAL_NAME* name = sk_GENERAL_NAME_value(idp->distpoint->name.fullname, 0);
  REQUIRE(name->type == GEN_URI);
  out.uri.assign(reinterpret_cast<const char*>(ASN1_STRING_get0_data(name->d.uniformResourceIdentifier)),
                 static_cast<std::size_t>(ASN1_STRING_length(name->d.uniformResourceIdentifier)));
  return out;
}

long next_update_after_this(X509_CRL* crl) {
  int days = 0, seconds = 0;
  REQUIRE(ASN1_TIME_diff(&days, &seconds, X509_CRL_get0_lastUpdate(crl), X509_CRL_get0_nextUpdate(crl)) == 1);
  return days * 86400L + seconds;
}

}  // namespace

TEST_CASE("a certificate's shard is its serial mod N, plus one", "[ca][crl]") {
  CHECK(cobble::ca::crl_shard_of("ff", 10) == 6);  // 255 mod 10 = 5
  CHECK(cobble::ca::crl_shard_of("FF", 10) == 6);
  CHECK(cobble::ca::crl_shard_of("a", 10) == 1);
  CHECK(cobble::ca::crl_shard_of("9", 10) == 10);
  // 2^127 - 1 mod 7 = 1 (2^3 = 1 mod 7, 127 = 3*42 + 1, so 2^127 = 2 and 2^127 - 1 = 1).
  CHECK(cobble::ca::crl_shard_of("7fffffffffffffffffffffffffffffff", 7) == 2);
  CHECK(cobble::ca::crl_shard_of("1234", 0) == 0);
  CHECK_FALSE(cobble::ca::crl_shard_of("xyz", 10));
  CHECK_FALSE(cobble::ca::crl_shard_of("", 10));
  CHECK(cobble::ca::crl_url_of({"http://c.test/crl/", 10}, 3) == "http://c.test/crl/3.crl");
  CHECK(cobble::ca::crl_url_of({"http://c.test/crl/", 10}, 0) == "http://c.test/crl/0");
  CHECK(cobble::ca::crl_url_of({"", 10}, 3).empty());
}

TEST_CASE("sharded CRLs: each certificate names its shard, and each shard lists only its own", "[ca][crl]") {
  auto policy = with_urls();
  policy.crl = {"http://ca.test:14080/crl/", 4};
  policy.crl_lifetime = 216h;
  Fixture f(policy);
  std::map<int, std::vector<std::string>> serials_by_shard;
  for (int i = 0; i < 12; ++i) {
    auto [der, serial] = f.issue();
    int shard = cobble::ca::crl_shard_of(serial, 4).value();
    CHECK(crl_distribution_point(der) == "http://ca.test:14080/crl/" + std::to_string(shard) + ".crl");
    REQUIRE(
        f.client.post("/acme/revoke-cert", {{"certificate", cobble::common::base64url_encode(der)}}).status ==
        200);
    serials_by_shard[shard].push_back(serial);
  }
  f.ca.clock.advance(61s);
  auto all = f.fetch("0");
  CHECK(sk_X509_REVOKED_num(X509_CRL_get_REVOKED(all.get())) == 12);
  CHECK(idp_of(all.get())->uri == "http://ca.test:14080/crl/0");
  for (int shard = 1; shard <= 4; ++shard) {
    CAPTURE(shard);
    auto crl = f.fetch(std::to_string(shard) + ".crl");
    auto idp = idp_of(crl.get());
    REQUIRE(idp);
    CHECK(idp->uri == "http://ca.test:14080/crl/" + std::to_string(shard) + ".crl");
    CHECK(idp->critical);
    CHECK(idp->only_user);
    CHECK(next_update_after_this(crl.get()) == 216 * 3600 - 1);
    const auto& mine = serials_by_shard[shard];
    CHECK(std::max(0, sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl.get()))) == static_cast<int>(mine.size()));
    for (const auto& serial : mine) CHECK(reason_listed(crl.get(), serial) == -1);
    auto intermediate = ossl::cert_from_pem(f.ca.ca->intermediate_pem()).value();
    CHECK(X509_CRL_verify(crl.get(), X509_get0_pubkey(intermediate.get())) == 1);
  }
  CHECK(f.ca.send("GET", "/crl/3", "", "").status == 200);  // the shard's number alone works too
  CHECK(f.ca.send("GET", "/crl/5.crl", "", "").status == 404);
}
