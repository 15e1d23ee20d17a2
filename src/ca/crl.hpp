#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ca/certificate_authority.hpp"
#include "ca/crl_layout.hpp"
#include "common/clock.hpp"
#include "common/result.hpp"

namespace cobble::ca {

// One entry of a certificate revocation list (RFC 5280 §5.1.2.6).
struct RevokedEntry {
  std::string serial;  // lowercase hex, as IssuedCertificate::serial
  TimePoint revoked_at{};
  int reason = 0;  // CRLReason; 0 (unspecified) is left out of the entry, as §5.3.1 asks
};

struct CrlRequest {
  std::vector<RevokedEntry> revoked;
  TimePoint this_update{};
  TimePoint next_update{};
  std::uint64_t number = 0;  // cRLNumber, increasing with every CRL (§5.2.3)
  // The Issuing Distribution Point's URI (§5.2.5; critical, onlyContainsUserCerts): the URL
  // certificates name for this CRL. "" leaves the extension out.
  std::string distribution_point;
  std::string issuer;  // IssuerInfo::id of the intermediate whose certificates it lists
};

// A v2 CRL (RFC 5280 §5) issued by `ca`'s intermediate `request.issuer`: its subject as issuer,
// authority key identifier, CRL number and (when given) issuing distribution point extensions,
// signed by the intermediate's key (SHA-256; SHA-384 for P-384). Returns DER. invalid_argument
// for an unknown issuer or a serial that is not hex; io_error when OpenSSL fails.
Result<std::string> sign_crl(const CertificateAuthority& ca, const CrlRequest& request);

}  // namespace cobble::ca
