#include <openssl/pem.h>

#include <catch2/catch.hpp>
#include <chrono>

#include "ca/certificate_authority.hpp"
#include "ca/openssl.hpp"

namespace {

using namespace cobble;
namespace ossl = ca::ossl;

ossl::PKey make_key(const std::string& kind) {
  EVP_PKEY* key = nullptr;
  if (kind == "RSA 1024") key = EVP_RSA_gen(1024);
  if (kind == "RSA 2048") key = EVP_RSA_gen(2048);
  if (kind == "P-256" || kind == "P-384" || kind == "P-521") key = EVP_EC_gen(kind.c_str());
  if (kind == "Ed25519") key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  REQUIRE(key != nullptr);
  return ossl::PKey(key);
}

// A DER PKCS#10 request; `san` is OpenSSL config text such as "DNS:a.test,IP:10.0.0.1".
std::string make_csr(EVP_PKEY* key, const std::string& san, const std::string& common_name = "") {
  ossl::Req req(X509_REQ_new());
  REQUIRE(X509_REQ_set_pubkey(req.get(), key) == 1);
  if (!common_name.empty()) {
    X509_NAME* subject = X509_REQ_get_subject_name(req.get());
    REQUIRE(X509_NAME_add_entry_by_NID(subject, NID_commonName, MBSTRING_UTF8,
                                       reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                                       0) == 1);
  }
  if (!san.empty()) {
    ossl::ExtensionStack extensions(sk_X509_EXTENSION_new_null());
    X509_EXTENSION* extension = X509V3_EXT_nconf_nid(nullptr, nullptr, NID_subject_alt_name, san.c_str());
    REQUIRE(extension != nullptr);
    sk_X509_EXTENSION_push(extensions.get(), extension);
    REQUIRE(X509_REQ_add_extensions(req.get(), extensions.get()) == 1);
  }
  const EVP_MD* md = EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519 ? nullptr : EVP_sha256();
  REQUIRE(X509_REQ_sign(req.get(), key, md) > 0);
  return ossl::der_of(i2d_X509_REQ, static_cast<const X509_REQ*>(req.get()));
}

std::string spki_of(EVP_PKEY* key) { return ossl::der_of(i2d_PUBKEY, static_cast<const EVP_PKEY*>(key)); }

}  // namespace

TEST_CASE("parse_csr returns lower-cased DNS names, canonical IPs and the CN", "[ca]") {
  ossl::PKey key = make_key("P-256");
  std::string der = make_csr(key.get(), "DNS:Example.COM,DNS:www.example.com,IP:10.0.0.1,IP:2001:db8:0:0::1",
                             "Example.com");
  auto info = ca::parse_csr(der);
  REQUIRE(info.has_value());
  CHECK(info->dns_names == std::vector<std::string>{"example.com", "www.example.com"});
  CHECK(info->ip_addresses == std::vector<std::string>{"10.0.0.1", "2001:db8::1"});
  CHECK(info->common_name == std::optional<std::string>("example.com"));
  CHECK(info->spki_der == spki_of(key.get()));
}

TEST_CASE("parse_csr reports no CN when the subject has none", "[ca]") {
  ossl::PKey key = make_key("P-256");
  auto info = ca::parse_csr(make_csr(key.get(), "DNS:a.test"));
  REQUIRE(info.has_value());
  CHECK_FALSE(info->common_name.has_value());
  CHECK(info->dns_names == std::vector<std::string>{"a.test"});
}

TEST_CASE("parse_csr accepts the keys of the policy", "[ca]") {
  std::string kind = GENERATE("P-256", "P-384", "RSA 2048", "Ed25519");
  CAPTURE(kind);
  ossl::PKey key = make_key(kind);
  auto info = ca::parse_csr(make_csr(key.get(), "DNS:a.test"));
  REQUIRE(info.has_value());
  CHECK(info->spki_der == spki_of(key.get()));
}

TEST_CASE("parse_csr refuses keys outside the policy", "[ca]") {
  auto [kind, message] = GENERATE(table<std::string, std::string>({
      {"RSA 1024", "RSA key of 1024 bits is too small"},
      {"P-521", "not accepted"},
  }));
  CAPTURE(kind);
  ossl::PKey key = make_key(kind);
  auto info = ca::parse_csr(make_csr(key.get(), "DNS:a.test"));
  REQUIRE_FALSE(info.has_value());
  CHECK(info.error().code == std::errc::invalid_argument);
  CHECK_THAT(info.error().message, Catch::Contains(message));
}

TEST_CASE("parse_csr refuses a CSR whose signature was tampered with", "[ca]") {
  std::string kind = GENERATE("P-256", "RSA 2048");
  CAPTURE(kind);
  ossl::PKey key = make_key(kind);
  std::string der = make_csr(key.get(), "DNS:a.test");
  der.back() = static_cast<char>(der.back() ^ 0x01);  // the signature is the last field
  auto info = ca::parse_csr(der);
  REQUIRE_FALSE(info.has_value());
  CHECK(info.error().code == std::errc::invalid_argument);
  CHECK(info.error().message == "CSR signature does not verify");
}

TEST_CASE("parse_csr refuses garbage and trailing bytes", "[ca]") {
  CHECK_FALSE(ca::parse_csr("").has_value());
  CHECK_FALSE(ca::parse_csr("not a certificate request").has_value());
  ossl::PKey key = make_key("P-256");
  std::string der = make_csr(key.get(), "DNS:a.test");
  auto truncated = ca::parse_csr(std::string_view(der).substr(0, der.size() - 3));
  REQUIRE_FALSE(truncated.has_value());
  CHECK(truncated.error().code == std::errc::invalid_argument);
  auto trailing = ca::parse_csr(der + std::string("\0", 1));
  REQUIRE_FALSE(trailing.has_value());
  CHECK_THAT(trailing.error().message, Catch::Contains("trailing"));
}

TEST_CASE("parse_csr refuses a CSR naming an email address", "[ca]") {
  ossl::PKey key = make_key("P-256");
  auto info = ca::parse_csr(make_csr(key.get(), "DNS:a.test,email:someone@a.test"));
  REQUIRE_FALSE(info.has_value());
  CHECK(info.error().code == std::errc::invalid_argument);
}

TEST_CASE("parse_certificate_der reports the serial, key and issuer of an issued certificate", "[ca]") {
  auto authority = ca::CertificateAuthority::load_or_create({}, ca::CaOptions{.persist = false},
                                                            std::chrono::system_clock::now());
  REQUIRE(authority.has_value());
  ossl::PKey key = make_key("P-256");
  ca::IssueRequest request;
  request.spki_der = spki_of(key.get());
  request.dns_names = {"a.test"};
  request.not_before = std::chrono::system_clock::now();
  request.not_after = request.not_before + std::chrono::days(90);
  auto issued = (*authority)->issue(request);
  REQUIRE(issued.has_value());

  auto der = ca::first_certificate_der(issued->chain_pem);
  REQUIRE(der.has_value());
  auto leaf = ossl::cert_from_pem(issued->leaf_pem);
  REQUIRE(leaf.has_value());
  CHECK(*der == ossl::der_of(i2d_X509, static_cast<const X509*>(leaf->get())));

  auto info = ca::parse_certificate_der(*der);
  REQUIRE(info.has_value());
  CHECK(info->serial == issued->serial);
  CHECK(info->spki_der == request.spki_der);
  auto intermediate = ossl::cert_from_pem((*authority)->intermediate_pem());
  REQUIRE(intermediate.has_value());
  CHECK(info->issuer_der == ossl::der_of(i2d_X509_NAME, X509_get_subject_name(intermediate->get())));

  CHECK_FALSE(ca::parse_certificate_der(*der + "x").has_value());
  CHECK_FALSE(ca::parse_certificate_der("garbage").has_value());
  CHECK_FALSE(ca::first_certificate_der("garbage").has_value());
}
