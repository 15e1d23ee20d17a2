#include "challsrv/tlsalpn01_cert.hpp"

#include <openssl/objects.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <vector>

#include "common/random.hpp"

namespace cobble::challsrv {
namespace {

using ObjectPtr = common::ossl::Asn1Object;
using OctetPtr = common::ossl::Asn1OctetString;
using ExtensionPtr = common::ossl::Extension;
using GeneralNamesPtr = common::ossl::GeneralNames;
using GeneralNamePtr = common::ossl::GeneralName;

bool valid_dns_name(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  return std::ranges::all_of(
      name, [](unsigned char c) { return std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '*'; });
}

int hex_nibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::vector<std::string_view> split_labels(std::string_view name) {
  std::vector<std::string_view> labels;
  while (!name.empty()) {
    auto dot = name.find('.');
    labels.push_back(name.substr(0, dot));
    name.remove_prefix(dot == std::string_view::npos ? name.size() : dot + 1);
  }
  return labels;
}

bool add_san(X509* cert, std::string_view server_name) {
  auto ip = ip_from_reverse_name(server_name);
  auto bytes = ip ? std::string_view(*ip) : server_name;
  GeneralNamePtr name(GENERAL_NAME_new());
  OctetPtr value(ASN1_STRING_type_new(ip ? V_ASN1_OCTET_STRING : V_ASN1_IA5STRING));
  if (!name || !value) return false;
  if (!ASN1_STRING_set(value.get(), bytes.data(), static_cast<int>(bytes.size()))) return false;
  GENERAL_NAME_set0_value(name.get(), ip ? GEN_IPADD : GEN_DNS, value.release());
  GeneralNamesPtr names(sk_GENERAL_NAME_new_null());
  if (!names || !sk_GENERAL_NAME_push(names.get(), name.get())) return false;
  name.release();
  return X509_add1_ext_i2d(cert, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) == 1;
}

// RFC 8737 §3: extnValue is the DER encoding of OCTET STRING (SIZE (32)) holding the digest.
bool add_acme_identifier(X509* cert, std::string_view key_authorization) {
  unsigned char der[2 + SHA256_DIGEST_LENGTH] = {V_ASN1_OCTET_STRING, SHA256_DIGEST_LENGTH};
  SHA256(reinterpret_cast<const unsigned char*>(key_authorization.data()), key_authorization.size(), der + 2);
  ObjectPtr oid(OBJ_txt2obj(kAcmeIdentifierOid, 1));
  OctetPtr value(ASN1_OCTET_STRING_new());
  if (!oid || !value || !ASN1_OCTET_STRING_set(value.get(), der, sizeof der)) return false;
  ExtensionPtr extension(X509_EXTENSION_create_by_OBJ(nullptr, oid.get(), 1, value.get()));
  return extension && X509_add_ext(cert, extension.get(), -1) == 1;
}

}  // namespace

PkeyPtr generate_p256_key() { return PkeyPtr(EVP_EC_gen("P-256")); }

std::optional<std::string> ip_from_reverse_name(std::string_view name) {
  if (name.ends_with('.')) name.remove_suffix(1);
  auto labels = split_labels(name);
  std::string out;
  if (labels.size() == 6 && labels[4] == "in-addr" && labels[5] == "arpa") {
    for (int i = 3; i >= 0; --i) {
      auto label = labels[static_cast<std::size_t>(i)];
      if (label.empty() || label.size() > 3 || !std::ranges::all_of(label, ::isdigit)) return std::nullopt;
      int octet = std::stoi(std::string(label));
      if (octet > 255) return std::nullopt;
      out.push_back(static_cast<char>(octet));
    }
    return out;
  }
  if (labels.size() == 34 && labels[32] == "ip6" && labels[33] == "arpa") {
    for (int i = 31; i >= 1; i -= 2) {
      auto hi = labels[static_cast<std::size_t>(i)], lo = labels[static_cast<std::size_t>(i - 1)];
      if (hi.size() != 1 || lo.size() != 1 || hex_nibble(hi[0]) < 0 || hex_nibble(lo[0]) < 0)
        return std::nullopt;
      out.push_back(static_cast<char>(hex_nibble(hi[0]) << 4 | hex_nibble(lo[0])));
    }
    return out;
  }
  return std::nullopt;
}

common::Result<X509Ptr> make_challenge_cert(std::string_view server_name, std::string_view key_authorization,
                                            EVP_PKEY* key) {
  if (!ip_from_reverse_name(server_name) && !valid_dns_name(server_name))
    return common::fail(std::errc::invalid_argument,
                        "cannot put '" + std::string(server_name) + "' in a dNSName");
  X509Ptr cert(X509_new());
  auto openssl_failed = [] {
    return common::fail(std::errc::io_error, "OpenSSL failed to build the challenge certificate");
  };
  if (!cert || !X509_set_version(cert.get(), X509_VERSION_3)) return openssl_failed();
  auto serial = common::random_bytes(8);
  std::int64_t serial_value = 0;
  for (char c : serial) serial_value = serial_value << 8 | static_cast<unsigned char>(c);
  serial_value &= INT64_MAX;
  if (!ASN1_INTEGER_set_int64(X509_get_serialNumber(cert.get()), serial_value)) return openssl_failed();
  if (!X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) ||
      !X509_gmtime_adj(X509_getm_notAfter(cert.get()), 7 * 24 * 3600))
    return openssl_failed();
  X509_NAME* subject = X509_get_subject_name(cert.get());
  const std::string common_name = server_name.size() <= 64 ? std::string(server_name) : "ACME challenge";
  if (!X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                                  reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0) ||
      !X509_set_issuer_name(cert.get(), subject) || !X509_set_pubkey(cert.get(), key))
    return openssl_failed();
  if (!add_san(cert.get(), server_name) || !add_acme_identifier(cert.get(), key_authorization))
    return openssl_failed();
  if (X509_sign(cert.get(), key, EVP_sha256()) <= 0) return openssl_failed();
  return cert;
}

}  // namespace cobble::challsrv
