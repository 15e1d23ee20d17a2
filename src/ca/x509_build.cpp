#include "ca/x509_build.hpp"

#include <arpa/inet.h>
#include <openssl/err.h>

#include <algorithm>
#include <chrono>

#include "common/random.hpp"
#include "common/text.hpp"

namespace cobble::ca::ossl {
namespace {

std::unexpected<common::Error> openssl_failure(std::string_view what) {
  return common::fail(std::errc::io_error, std::string(what) + ": " + last_error());
}

common::Result<Asn1Integer> serial_from_hex(const std::string& hex) {
  BIGNUM* raw = nullptr;
  if (hex.empty() || hex.find_first_not_of("0123456789abcdef") != std::string::npos ||
      BN_hex2bn(&raw, hex.c_str()) == 0) {
    return common::fail(std::errc::invalid_argument, "serial '" + hex + "' is not lowercase hexadecimal");
  }
  Bignum bn(raw);
  if (BN_is_zero(bn.get())) return common::fail(std::errc::invalid_argument, "a serial must not be zero");
  Asn1Integer serial(BN_to_ASN1_INTEGER(bn.get(), nullptr));
  if (!serial) return openssl_failure("serial");
  return serial;
}

common::Result<void> set_time(ASN1_TIME* field, common::TimePoint t) {
  if (ASN1_TIME_set(field, std::chrono::system_clock::to_time_t(t)) == nullptr) {
    return openssl_failure("validity");
  }
  return {};
}

common::Result<void> add_extension(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value) {
  Extension ext(X509V3_EXT_nconf_nid(nullptr, ctx, nid, value.c_str()));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) return openssl_failure(OBJ_nid2sn(nid));
  return {};
}

common::Result<void> push_name(GENERAL_NAMES* names, int type, std::string_view value) {
  GeneralName name(GENERAL_NAME_new());
  // dNSName is an IA5String, iPAddress an OCTET STRING; both are ASN1_STRINGs.
  Asn1String content(type == GEN_DNS ? ASN1_IA5STRING_new() : ASN1_OCTET_STRING_new());
  if (!name || !content ||
      ASN1_STRING_set(content.get(), value.data(), static_cast<int>(value.size())) != 1) {
    return openssl_failure("subjectAltName");
  }
  GENERAL_NAME_set0_value(name.get(), type, content.release());
  if (sk_GENERAL_NAME_push(names, name.get()) == 0) return openssl_failure("subjectAltName");
  name.release();
  return {};
}

common::Result<void> add_subject_alt_names(X509* cert, const CertSpec& spec) {
  GeneralNames names(GENERAL_NAMES_new());
  if (!names) return openssl_failure("subjectAltName");
  for (const std::string& dns : spec.dns_names) {
    if (auto pushed = push_name(names.get(), GEN_DNS, dns); !pushed) return pushed;
  }
  for (const std::string& ip : spec.ip_addresses) {
    std::string bytes = ip_to_bytes(ip);
    if (bytes.empty()) return common::fail(std::errc::invalid_argument, "not an IP address: " + ip);
    if (auto pushed = push_name(names.get(), GEN_IPADD, bytes); !pushed) return pushed;
  }
  // RFC 5280 §4.2.1.6: with an empty subject the SAN extension must be critical.
  int critical = spec.common_name.empty() ? 1 : 0;
  if (X509_add1_ext_i2d(cert, NID_subject_alt_name, names.get(), critical, X509V3_ADD_DEFAULT) != 1) {
    return openssl_failure("subjectAltName");
  }
  return {};
}

// Built from its parts: OpenSSL's text form of certificatePolicies needs a config database.
common::Result<void> add_certificate_policies(X509* cert, const std::vector<std::string>& oids) {
  CertificatePolicies policies(CERTIFICATEPOLICIES_new());
  if (!policies) return openssl_failure("certificatePolicies");
  for (const auto& oid : oids) {
    PolicyInfo info(POLICYINFO_new());
    if (!info) return openssl_failure("certificatePolicies");
    ASN1_OBJECT_free(info->policyid);
    info->policyid = OBJ_txt2obj(oid.c_str(), 1);
    if (info->policyid == nullptr) {
      return common::fail(std::errc::invalid_argument, "policy \"" + oid + "\" is not a dotted OID");
    }
    if (sk_POLICYINFO_push(policies.get(), info.get()) == 0) return openssl_failure("certificatePolicies");
    info.release();
  }
  if (X509_add1_ext_i2d(cert, NID_certificate_policies, policies.get(), 0, X509V3_ADD_DEFAULT) != 1) {
    return openssl_failure("certificatePolicies");
  }
  return {};
}

common::Result<void> set_names(X509* cert, const CertSpec& spec) {
  Name subject(X509_NAME_new());
  if (!subject) return openssl_failure("subject");
  if (!spec.common_name.empty() &&
      X509_NAME_add_entry_by_NID(subject.get(), NID_commonName, MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(spec.common_name.data()),
                                 static_cast<int>(spec.common_name.size()), -1, 0) != 1) {
    return common::fail(std::errc::invalid_argument,
                        "common name \"" + spec.common_name + "\" is not usable: " + last_error());
  }
  if (X509_set_subject_name(cert, subject.get()) != 1) return openssl_failure("subject");
  const X509_NAME* issuer = spec.issuer ? X509_get_subject_name(spec.issuer) : subject.get();
  if (X509_set_issuer_name(cert, issuer) != 1) return openssl_failure("issuer");
  return {};
}

common::Result<void> add_extensions(X509* cert, const CertSpec& spec) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, spec.issuer ? spec.issuer : cert, cert, nullptr, nullptr, 0);
  std::string basic = spec.is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE";
  if (spec.is_ca && spec.path_length >= 0) basic += ",pathlen:" + std::to_string(spec.path_length);
  if (auto r = add_extension(cert, &ctx, NID_basic_constraints, basic); !r) return r;
  if (auto r = add_extension(cert, &ctx, NID_key_usage, spec.key_usage); !r) return r;
  if (spec.server_auth || spec.client_auth) {
    std::string usages = spec.server_auth ? "serverAuth" : "";
    if (spec.client_auth) usages += usages.empty() ? "clientAuth" : ",clientAuth";
    if (auto r = add_extension(cert, &ctx, NID_ext_key_usage, usages); !r) return r;
  }
  if (!spec.crl_url.empty()) {
    if (auto r = add_extension(cert, &ctx, NID_crl_distribution_points, "URI:" + spec.crl_url); !r) return r;
  }
  if (!spec.ocsp_url.empty()) {
    if (auto r = add_extension(cert, &ctx, NID_info_access, "OCSP;URI:" + spec.ocsp_url); !r) return r;
  }
  if (!spec.policy_oids.empty()) {
    if (auto r = add_certificate_policies(cert, spec.policy_oids); !r) return r;
  }
  if (spec.subject_key_identifier) {
    if (auto r = add_extension(cert, &ctx, NID_subject_key_identifier, "hash"); !r) return r;
  }
  if (spec.issuer) {
    if (auto r = add_extension(cert, &ctx, NID_authority_key_identifier, "keyid:always"); !r) return r;
  }
  if (!spec.dns_names.empty() || !spec.ip_addresses.empty()) return add_subject_alt_names(cert, spec);
  return {};
}

// An SPKI's two parts, parsed as ASN.1 without decoding the key.
struct SpkiParts {
  Algorithm algorithm;
  Asn1BitString key;
};

common::Result<SpkiParts> parse_spki(std::string_view der) {
  auto bad = [] {
    ERR_clear_error();
    return common::fail(std::errc::invalid_argument, "public key is not a parsable SubjectPublicKeyInfo");
  };
  const auto* start = reinterpret_cast<const unsigned char*>(der.data());
  const unsigned char* cursor = start;
  long length = 0;
  int tag = 0, cls = 0;
  if (ASN1_get_object(&cursor, &length, &tag, &cls, static_cast<long>(der.size())) & 0x80) return bad();
  if (tag != V_ASN1_SEQUENCE || cls != V_ASN1_UNIVERSAL) return bad();
  const unsigned char* end = cursor + length;
  if (end != start + der.size()) return bad();
  SpkiParts parts;
  parts.algorithm.reset(d2i_X509_ALGOR(nullptr, &cursor, end - cursor));
  if (!parts.algorithm) return bad();
  parts.key.reset(d2i_ASN1_BIT_STRING(nullptr, &cursor, end - cursor));
  if (!parts.key || cursor != end) return bad();
  return parts;
}

// X509_set_pubkey would encode the key again through an OpenSSL 3 encoder; the parts go in as
// they are.
common::Result<void> set_subject_spki(X509* cert, std::string_view der) {
  auto parts = parse_spki(der);
  if (!parts) return std::unexpected(parts.error());
  X509_ALGOR* algorithm = parts->algorithm.get();
  ASN1_OBJECT* object = algorithm->algorithm;
  ASN1_TYPE* parameter = algorithm->parameter;
  int ptype = parameter ? parameter->type : V_ASN1_UNDEF;
  void* pval = parameter && ptype != V_ASN1_NULL ? parameter->value.ptr : nullptr;
  ASN1_BIT_STRING* key = parts->key.get();
  unsigned char* encoded = key->data;
  int encoded_length = key->length;
  if (X509_PUBKEY_set0_param(X509_get_X509_PUBKEY(cert), object, ptype, pval, encoded, encoded_length) != 1)
    return openssl_failure("public key");
  // set0 took the object, the parameter's value and the key bytes: leave only the empty shells.
  algorithm->algorithm = nullptr;
  if (parameter) parameter->value.ptr = nullptr;
  key->data = nullptr;
  key->length = 0;
  return {};
}

}  // namespace

common::Result<int> spki_algorithm(std::string_view der) {
  auto parts = parse_spki(der);
  if (!parts) return std::unexpected(parts.error());
  return OBJ_obj2nid(parts->algorithm->algorithm);
}

common::Result<Cert> build_certificate(const CertSpec& spec) {
  if (spec.not_after <= spec.not_before) {
    return common::fail(std::errc::invalid_argument, "notAfter must be later than notBefore");
  }
  Cert cert(X509_new());
  if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1) return openssl_failure("certificate");
  auto serial = serial_from_hex(spec.serial_hex.empty() ? random_serial_hex() : spec.serial_hex);
  if (!serial) return std::unexpected(serial.error());
  if (X509_set_serialNumber(cert.get(), serial->get()) != 1) return openssl_failure("serial");
  if (auto r = set_names(cert.get(), spec); !r) return std::unexpected(r.error());
  if (auto r = set_time(X509_getm_notBefore(cert.get()), spec.not_before); !r)
    return std::unexpected(r.error());
  if (auto r = set_time(X509_getm_notAfter(cert.get()), spec.not_after); !r)
    return std::unexpected(r.error());
  if (!spec.subject_spki_der.empty()) {
    if (auto r = set_subject_spki(cert.get(), spec.subject_spki_der); !r) return std::unexpected(r.error());
  } else if (X509_set_pubkey(cert.get(), spec.subject_key) != 1) {
    return openssl_failure("public key");
  }
  if (auto r = add_extensions(cert.get(), spec); !r) return std::unexpected(r.error());
  if (X509_sign(cert.get(), spec.issuer_key, signing_digest(spec.issuer_key)) <= 0)
    return openssl_failure("signing");
  return cert;
}

std::string random_serial_hex() {
  std::string bytes;
  do {
    bytes = common::random_bytes(16);
    bytes[0] = static_cast<char>(static_cast<unsigned char>(bytes[0]) & 0x7f);  // positive
  } while (std::all_of(bytes.begin(), bytes.end(), [](char c) { return c == 0; }));
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char b : bytes) {
    hex += kDigits[b >> 4];
    hex += kDigits[b & 0xf];
  }
  auto first = hex.find_first_not_of('0');
  return hex.substr(first);  // never npos: the bytes are not all zero
}

std::string serial_hex(const ASN1_INTEGER* serial) {
  Bignum bn(ASN1_INTEGER_to_BN(serial, nullptr));
  if (!bn) return {};
  OpensslString hex(BN_bn2hex(bn.get()));
  if (!hex) return {};
  auto out = common::ascii_lower(hex.get());
  auto first = out.find_first_not_of('0');
  return first == std::string::npos ? "0" : out.substr(first);
}

std::string ip_to_bytes(std::string_view text) {
  std::string copy(text);  // inet_pton needs a terminated string
  unsigned char buffer[16];
  if (inet_pton(AF_INET, copy.c_str(), buffer) == 1) return std::string(reinterpret_cast<char*>(buffer), 4);
  if (inet_pton(AF_INET6, copy.c_str(), buffer) == 1) return std::string(reinterpret_cast<char*>(buffer), 16);
  return {};
}

std::string ip_to_text(std::string_view bytes) {
  char text[INET6_ADDRSTRLEN];
  int family = bytes.size() == 4 ? AF_INET : bytes.size() == 16 ? AF_INET6 : 0;
  if (family == 0 || inet_ntop(family, bytes.data(), text, sizeof text) == nullptr) return {};
  return text;
}

common::Result<SubjectAltNames> read_subject_alt_names(const GENERAL_NAMES* names) {
  SubjectAltNames out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    if (name->type == GEN_DNS) {
      std::string dns(reinterpret_cast<const char*>(ASN1_STRING_get0_data(name->d.dNSName)),
                      static_cast<std::size_t>(ASN1_STRING_length(name->d.dNSName)));
      if (dns.empty() || dns.find('\0') != std::string::npos) {
        return common::fail(std::errc::invalid_argument, "subjectAltName has a malformed DNS name");
      }
      out.dns_names.push_back(common::ascii_lower(dns));
    } else if (name->type == GEN_IPADD) {
      std::string text =
          ip_to_text(std::string_view(reinterpret_cast<const char*>(ASN1_STRING_get0_data(name->d.iPAddress)),
                                      static_cast<std::size_t>(ASN1_STRING_length(name->d.iPAddress))));
      if (text.empty()) {
        return common::fail(std::errc::invalid_argument, "subjectAltName has a malformed IP address");
      }
      out.ip_addresses.push_back(std::move(text));
    } else {
      return common::fail(std::errc::invalid_argument,
                          "subjectAltName may only hold DNS names and IP addresses (found email, URI or "
                          "another type)");
    }
  }
  return out;
}

std::optional<std::string> common_name_of(const X509_NAME* name) {
  int index = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (index < 0) return std::nullopt;
  const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
  unsigned char* utf8 = nullptr;
  int length = ASN1_STRING_to_UTF8(&utf8, data);
  if (length < 0) return std::nullopt;
  OpensslString owned(reinterpret_cast<char*>(utf8));
  return std::string(owned.get(), static_cast<std::size_t>(length));
}

}  // namespace cobble::ca::ossl
