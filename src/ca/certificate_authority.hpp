#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ca/crl_layout.hpp"
#include "common/clock.hpp"
#include "common/key_policy.hpp"
#include "common/result.hpp"

namespace cobble::ca {

using common::Result;
using common::TimePoint;

// P-384 and RSA-4096 are for Let's Encrypt's roots and ECDSA intermediates (CaOptions::issuers_per_key_type).
enum class KeyAlgorithm { ecdsa_p256, rsa_2048, ecdsa_p384, rsa_4096 };

struct CaOptions {
  KeyAlgorithm key_algorithm = KeyAlgorithm::ecdsa_p256;
  // Keep the root and intermediate in the data dir across restarts; false makes fresh ones each
  // start and writes nothing (Pebble's behaviour).
  bool persist = true;
  std::string name = "Cobble";  // subject CNs: "<name> Root CA", "<name> Intermediate CA"
  // Extra hierarchies, each under its own root, certifying the same leaf-issuing key (Pebble's
  // PEBBLE_ALTERNATE_ROOTS): clients see them as alternate chains (RFC 8555 §7.4.2).
  int alternate_roots = 0;
  // Intermediates between a leaf and its root in every chain, ≥ 1 (Pebble's PEBBLE_CHAIN_LENGTH).
  int chain_length = 1;
  // > 0: Let's Encrypt's layout instead: an RSA 4096 root over this many RSA 2048 intermediates
  // (r1..rN) and a P-384 root over as many P-384 ones (e1..eN); each leaf is signed by one of its
  // key type's intermediates (RSA keys: r, others: e) picked at random. key_algorithm,
  // alternate_roots and chain_length do not apply (must be left at their defaults).
  int issuers_per_key_type = 0;
};

// One leaf-issuing intermediate, as CRLs and renewal information need it.
struct IssuerInfo {
  std::string id;  // "" for the single issuer of a hierarchy CA; "r1", "e2", ... in a pool
  std::string cert_pem;
  std::string key_pem;
  std::string key_identifier;  // its subjectKeyIdentifier: the authorityKeyIdentifier of its leafs
};

struct IssueRequest {
  std::string spki_der;                   // the certified public key (from the CSR)
  std::vector<std::string> dns_names;     // SANs, in order
  std::vector<std::string> ip_addresses;  // textual IPv4/IPv6 SANs
  TimePoint not_before{};
  TimePoint not_after{};
  std::optional<std::string> common_name;  // absent: no subject CN (Let's Encrypt's current leafs)
  bool server_auth = true;                 // EKU id-kp-serverAuth
  bool client_auth = false;                // EKU id-kp-clientAuth
  bool key_encipherment = true;            // KU keyEncipherment when the key is RSA
  bool subject_key_identifier = true;      // the SKI extension
  CrlLayout crl;                           // CRL Distribution Points URI by the serial; base "" = none
  std::string ocsp_url;                    // Authority Information Access OCSP URI; "" = none
  std::vector<std::string> policy_oids;    // certificatePolicies (dotted OIDs); empty = none
};

struct IssuedCertificate {
  std::string serial;  // lowercase hex without leading zeros
  std::string issuer;  // IssuerInfo::id of the intermediate that signed it
  std::string leaf_pem;
  std::string chain_pem;  // leaf, then the default chain's intermediates (application/pem-certificate-chain)
  TimePoint not_before{};
  TimePoint not_after{};
};

// 1 + alternate_roots hierarchies ("chains"), each a root and chain_length intermediates; leafs
// are signed by the bottom intermediate's key, which every hierarchy certifies under the same
// subject, so each leaf verifies up every root. Chain 0 is the default. Thread-safe once built.
class CertificateAuthority {
 public:
  // With options.persist, loads keys and certificates from `dir` (hierarchy 0: root.pem,
  // root-key.pem, intermediate.pem, intermediate-key.pem; the others: see ca/hierarchy.hpp),
  // creating what is missing. Fails with errc::io_error when files cannot be read/written and
  // errc::invalid_argument when they are present but unparsable or do not belong together, or
  // when alternate_roots < 0 or chain_length < 1.
  static Result<std::shared_ptr<CertificateAuthority>> load_or_create(const std::filesystem::path& dir,
                                                                      const CaOptions& options,
                                                                      TimePoint now);
  virtual ~CertificateAuthority() = default;

  // Signs a leaf: SANs from the request, KU digitalSignature (+ keyEncipherment for RSA keys when
  // asked), the request's EKUs (none when neither), CRLDP / AIA OCSP when given, basicConstraints
  // CA:FALSE critical, AKI (and SKI when asked), random positive 64+ bit serial. errc::invalid_argument when
  // spki_der is unparsable or no name is given.
  virtual Result<IssuedCertificate> issue(const IssueRequest& request) const = 0;

  // Every leaf-issuing intermediate (one unless issuers_per_key_type > 0).
  virtual const std::vector<IssuerInfo>& issuers() const = 0;

  // Number of chains: 1 + alternate roots (1 with an issuer pool).
  virtual std::size_t chain_count() const = 0;
  // Of chain `chain` (std::out_of_range unless chain < chain_count()): its root, the root's key,
  // the leaf-issuing intermediate and its key (the same key in every chain), and the issuer chain
  // a leaf is served with (leaf issuer first, up to but not including the root). With an issuer
  // pool, chain 0's root is both roots and its intermediate every intermediate (PEM bundles, so a
  // trust store or a test reading /roots/0 covers every leaf), and a leaf's chain is its own.
  virtual std::string root_pem(std::size_t chain) const = 0;
  virtual std::string root_key_pem(std::size_t chain) const = 0;
  virtual std::string intermediate_pem(std::size_t chain) const = 0;
  virtual std::string intermediate_key_pem(std::size_t chain) const = 0;
  virtual std::string issuer_chain_pem(std::size_t chain) const = 0;
  // The default chain's.
  std::string root_pem() const { return root_pem(0); }
  std::string root_key_pem() const { return root_key_pem(0); }
  std::string intermediate_pem() const { return intermediate_pem(0); }
  std::string intermediate_key_pem() const { return intermediate_key_pem(0); }
};

// What finalize needs from a CSR (RFC 8555 §7.4, RFC 2986).
struct CsrInfo {
  std::string spki_der;
  std::vector<std::string> dns_names;      // SAN dNSNames, lower-cased, as given (duplicates kept)
  std::vector<std::string> ip_addresses;   // SAN iPAddresses, canonical text
  std::optional<std::string> common_name;  // subject CN, lower-cased
};

// Parses a DER CSR, verifies its self-signature and applies the certificate key rules of a key
// policy (common/key_policy.hpp; without `rules`, the default policy's). errc::invalid_argument
// with a message a person understands ("CSR signature does not verify", "RSA key of 1024 bits is
// too small (minimum 2048)", ...), also for trailing bytes after the DER and for SANs other than
// dNSName/iPAddress (email, URI, ...).
Result<CsrInfo> parse_csr(std::string_view der, const common::KeyRules& rules);
Result<CsrInfo> parse_csr(std::string_view der);

// What revocation needs from a certificate a client sends (DER).
struct CertificateInfo {
  std::string serial;  // lowercase hex, same form as IssuedCertificate::serial
  std::string spki_der;
  std::string issuer_der;  // DER of the issuer Name
};
Result<CertificateInfo> parse_certificate_der(std::string_view der);
// PEM chain → DER of its first certificate.
Result<std::string> first_certificate_der(std::string_view pem);

// The server's own HTTPS identity: a small local CA ("<name> HTTPS CA") and a server certificate
// for localhost, 127.0.0.1, ::1 and `extra_names`. Created once in `dir` (https-ca.pem,
// https-ca-key.pem, https-cert.pem, https-key.pem) and reused; the server certificate is re-made
// when it no longer covers the names or expires within 30 days.
struct HttpsIdentity {
  std::filesystem::path ca_cert;
  std::filesystem::path cert_chain;  // server cert then HTTPS CA
  std::filesystem::path private_key;
};
Result<HttpsIdentity> ensure_https_identity(const std::filesystem::path& dir,
                                            const std::vector<std::string>& extra_names, TimePoint now);

}  // namespace cobble::ca
