#pragma once

// Internal to ca/: building and reading X.509 certificates (shared by the ACME CA and the HTTPS
// identity). Every function is pure apart from the CSPRNG.

#include <string>
#include <string_view>
#include <vector>

#include "ca/openssl.hpp"
#include "common/clock.hpp"
#include "common/result.hpp"

namespace cobble::ca::ossl {

struct CertSpec {
  std::string common_name;          // empty: empty subject (then the SAN extension is critical)
  EVP_PKEY* subject_key = nullptr;  // the certified public key
  // Leafs: the certified key as DER SubjectPublicKeyInfo, copied into the certificate as is
  // (used instead of subject_key when not empty; see spki_algorithm).
  std::string_view subject_spki_der;
  X509* issuer = nullptr;          // nullptr: self-signed with subject_key
  EVP_PKEY* issuer_key = nullptr;  // signs; for a self-signed cert, subject_key's private half
  common::TimePoint not_before{};
  common::TimePoint not_after{};
  bool is_ca = false;
  int path_length = -1;                  // CAs only; -1 leaves it out
  std::string key_usage;                 // X509V3 config text, e.g. "critical,keyCertSign,cRLSign"
  bool server_auth = false;              // EKU serverAuth
  bool client_auth = false;              // EKU clientAuth
  bool subject_key_identifier = true;    // SKI "hash" (RFC 5280: required in CAs, optional in leafs)
  std::string crl_url;                   // CRL Distribution Points URI; "" = none
  std::string ocsp_url;                  // AIA OCSP URI; "" = none
  std::vector<std::string> policy_oids;  // certificatePolicies, dotted OIDs; empty = none
  std::vector<std::string> dns_names;
  std::vector<std::string> ip_addresses;  // text; invalid_argument when one does not parse
  std::string serial_hex;                 // "" = random_serial_hex()
};

// A random positive 127-bit serial (16 bytes, top bit cleared, never zero) as lowercase hex
// without leading zeros, as serial_hex() prints it.
std::string random_serial_hex();

// spec.serial_hex or a random serial; SKI unless turned off, AKI when an issuer is given. invalid_argument
// for a bad IP or an empty validity; io_error when OpenSSL fails.
common::Result<Cert> build_certificate(const CertSpec& spec);

// The key algorithm (NID) of a DER SubjectPublicKeyInfo, after checking its structure (SEQUENCE of
// AlgorithmIdentifier and BIT STRING, nothing after). The key itself is not decoded: OpenSSL 3's
// key decoders cost more than signing the certificate, and a leaf's key was checked in its CSR.
// invalid_argument when the structure is wrong.
common::Result<int> spki_algorithm(std::string_view der);

// Lowercase hex of a serial without leading zeros (Pebble's form: URLs and lookups use it).
std::string serial_hex(const ASN1_INTEGER* serial);

// Binary form (4 or 16 bytes) of a textual IPv4/IPv6 address; empty when it does not parse.
std::string ip_to_bytes(std::string_view text);
// Canonical text of a 4- or 16-byte address; empty for any other length.
std::string ip_to_text(std::string_view bytes);

struct SubjectAltNames {
  std::vector<std::string> dns_names;     // lower-cased
  std::vector<std::string> ip_addresses;  // canonical text
};
// invalid_argument for names ACME cannot certify (email, URI, other types, malformed values).
common::Result<SubjectAltNames> read_subject_alt_names(const GENERAL_NAMES* names);

// The subject CN as UTF-8, if there is one.
std::optional<std::string> common_name_of(const X509_NAME* name);

}  // namespace cobble::ca::ossl
