#include <openssl/core_names.h>
#include <openssl/pem.h>

#include "ca/certificate_authority.hpp"
#include "ca/openssl.hpp"
#include "ca/x509_build.hpp"
#include "common/key_policy.hpp"
#include "common/text.hpp"

namespace cobble::ca {
namespace {

const unsigned char* bytes_of(std::string_view der) {
  return reinterpret_cast<const unsigned char*>(der.data());
}

Result<void> refuse(std::string why) { return common::fail(std::errc::invalid_argument, std::move(why)); }

// RFC 8555 §7.4 leaves the key policy to the CA: `rules` are the configured keyPolicy's.
Result<void> check_key_policy(EVP_PKEY* key, const common::KeyRules& rules) {
  using common::KeyKind;
  auto judged = [&](KeyKind kind) -> Result<void> {
    if (auto why = common::key_refusal(rules, kind, EVP_PKEY_get_bits(key))) return refuse(*why);
    return {};
  };
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA:
      return judged(KeyKind::rsa);
    case EVP_PKEY_EC: {
      char group[80] = {};
      std::size_t length = 0;
      if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &length) !=
          1) {
        ossl::last_error();
        return refuse("ECDSA key has no named curve (" + common::accepted_keys(rules) + ")");
      }
      switch (OBJ_txt2nid(group)) {
        case NID_X9_62_prime256v1:
          return judged(KeyKind::p256);
        case NID_secp384r1:
          return judged(KeyKind::p384);
        case NID_secp521r1:
          return judged(KeyKind::p521);
        default:
          return refuse("ECDSA key on curve " + std::string(group) + " is not accepted (" +
                        common::accepted_keys(rules) + ")");
      }
    }
    case EVP_PKEY_ED25519:
      return judged(KeyKind::ed25519);
    default:
      return refuse(std::string("key type ") + OBJ_nid2sn(EVP_PKEY_get_base_id(key)) + " is not accepted (" +
                    common::accepted_keys(rules) + ")");
  }
}

Result<ossl::SubjectAltNames> requested_names(X509_REQ* req) {
  ossl::ExtensionStack extensions(X509_REQ_get_extensions(req));
  if (!extensions) return ossl::SubjectAltNames{};
  int index = X509v3_get_ext_by_NID(extensions.get(), NID_subject_alt_name, -1);
  if (index < 0) return ossl::SubjectAltNames{};
  if (X509v3_get_ext_by_NID(extensions.get(), NID_subject_alt_name, index) >= 0) {
    return common::fail(std::errc::invalid_argument, "CSR has more than one subjectAltName extension");
  }
  ossl::GeneralNames names(
      static_cast<GENERAL_NAMES*>(X509V3_EXT_d2i(X509v3_get_ext(extensions.get(), index))));
  if (!names) {
    ossl::last_error();
    return common::fail(std::errc::invalid_argument, "CSR subjectAltName extension is malformed");
  }
  auto read = ossl::read_subject_alt_names(names.get());
  if (!read) return common::fail(std::errc::invalid_argument, "CSR " + read.error().message);
  return read;
}

}  // namespace

Result<CsrInfo> parse_csr(std::string_view der) {
  return parse_csr(der, common::default_key_policy().certificate);
}

Result<CsrInfo> parse_csr(std::string_view der, const common::KeyRules& rules) {
  const unsigned char* cursor = bytes_of(der);
  ossl::Req req(d2i_X509_REQ(nullptr, &cursor, static_cast<long>(der.size())));
  if (!req) {
    ossl::last_error();
    return common::fail(std::errc::invalid_argument, "CSR is not a DER-encoded PKCS#10 request");
  }
  if (cursor != bytes_of(der) + der.size()) {
    return common::fail(std::errc::invalid_argument, "CSR has trailing bytes after its DER encoding");
  }
  EVP_PKEY* key = X509_REQ_get0_pubkey(req.get());
  if (key == nullptr) {
    ossl::last_error();
    return common::fail(std::errc::invalid_argument, "CSR public key is not parsable");
  }
  if (auto policy = check_key_policy(key, rules); !policy) return std::unexpected(policy.error());
  if (X509_REQ_verify(req.get(), key) != 1) {
    ossl::last_error();
    return common::fail(std::errc::invalid_argument, "CSR signature does not verify");
  }
  auto names = requested_names(req.get());
  if (!names) return std::unexpected(names.error());

  CsrInfo info;
  // The SubjectPublicKeyInfo as received (DER, so re-encoding its fields gives the same bytes):
  // i2d_PUBKEY would run an OpenSSL 3 encoder lookup, a large share of finalize.
  info.spki_der = ossl::der_of(i2d_X509_PUBKEY, X509_REQ_get_X509_PUBKEY(req.get()));
  info.dns_names = std::move(names->dns_names);
  info.ip_addresses = std::move(names->ip_addresses);
  info.common_name = ossl::common_name_of(X509_REQ_get_subject_name(req.get()));
  if (info.common_name) info.common_name = common::ascii_lower(*info.common_name);
  return info;
}

Result<CertificateInfo> parse_certificate_der(std::string_view der) {
  const unsigned char* cursor = bytes_of(der);
  ossl::Cert cert(d2i_X509(nullptr, &cursor, static_cast<long>(der.size())));
  if (!cert) {
    ossl::last_error();
    return common::fail(std::errc::invalid_argument, "certificate is not DER-encoded X.509");
  }
  if (cursor != bytes_of(der) + der.size()) {
    return common::fail(std::errc::invalid_argument, "certificate has trailing bytes after its DER encoding");
  }
  EVP_PKEY* key = X509_get0_pubkey(cert.get());
  if (key == nullptr) {
    ossl::last_error();
    return common::fail(std::errc::invalid_argument, "certificate public key is not parsable");
  }
  CertificateInfo info;
  info.serial = ossl::serial_hex(X509_get0_serialNumber(cert.get()));
  info.spki_der = ossl::der_of(i2d_X509_PUBKEY, X509_get_X509_PUBKEY(cert.get()));
  info.issuer_der = ossl::der_of(i2d_X509_NAME, X509_get_issuer_name(cert.get()));
  if (info.issuer_der.empty())
    return common::fail(std::errc::invalid_argument, "certificate issuer is not encodable");
  return info;
}

Result<std::string> first_certificate_der(std::string_view pem) {
  auto cert = ossl::cert_from_pem(pem);
  if (!cert) return std::unexpected(cert.error());
  std::string der = ossl::der_of(i2d_X509, static_cast<const X509*>(cert->get()));
  if (der.empty()) return common::fail(std::errc::invalid_argument, "certificate is not encodable");
  return der;
}

}  // namespace cobble::ca
