#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "acme/problem.hpp"
#include "authority/ca_policy.hpp"
#include "ca/certificate_authority.hpp"
#include "common/clock.hpp"
#include "storage/store.hpp"

namespace cobble::authority {

// RFC 9773 §4.1: a certificate's unique identifier, "<base64url(AKI keyIdentifier)>.<base64url(
// serial DER integer content)>".
struct CertId {
  std::string key_id;  // raw bytes
  std::string serial;  // lowercase hex without leading zeros, as storage keeps it
};
// malformed (400) with a detail saying which part is wrong.
acme::Result<CertId> parse_cert_id(std::string_view text);
// Whether one of the CA's intermediates has this key identifier (the first part of a certID).
bool is_issuer_key_id(const ca::CertificateAuthority& ca, std::string_view key_id);
// Whether `key_id` is that of the intermediate that signed `cert`: a certID names a certificate
// only with its own issuer's key identifier.
bool signed_under(const ca::CertificateAuthority& ca, const Certificate& cert, std::string_view key_id);
// The certID of a certificate with this serial issued under `key_id`.
std::string make_cert_id(std::string_view key_id, const std::string& serial_hex);

// Pebble's Retry-After for renewal info (RFC 9773 §4.3: clients poll at this interval).
inline constexpr int kRenewalInfoRetryAfterSeconds = 21600;
// That interval jittered by ±`jitter_percent` (Let's Encrypt: 6 h ±20 %, so clients do not poll
// in step); `unit` is a uniform draw in [0, 1): 0 gives the shortest wait, near 1 the longest.
int renewal_info_retry_after(int jitter_percent, double unit);

// When the renewal window of Cobble's own ARI answer begins: for a revoked certificate an hour
// before `now` (renew now), else a day before two thirds of the validity (not before notBefore).
// Operators' overrides are not consulted.
common::TimePoint renewal_window_start(const Certificate& cert, common::TimePoint now);

// ARI: renewal windows, operators' overrides, and the certificate a certID names. Thread-safe.
class RenewalInfo {
 public:
  RenewalInfo(storage::Store& store, const common::Clock& clock, const ca::CertificateAuthority& ca);

  // The certificate `cert_id` names: malformed for an unparsable certID, not_found (404) when
  // its key identifier is not this CA's intermediate's or no certificate has its serial.
  acme::Result<Certificate> certificate(std::string_view cert_id) const;

  // The RenewalInfo object (JSON text) for `cert_id`, errors as certificate(). An override set
  // with set_override is returned verbatim. Otherwise Pebble's window: centred at two thirds of
  // the validity, ±24 hours, clipped to the validity; for a revoked certificate a window that
  // ended in the past (renew now, §4.2).
  acme::Result<std::string> lookup(std::string_view cert_id) const;

  // Stores `response` as the answer for the certificate with this serial: malformed 404 when
  // there is none.
  acme::Result<void> set_override(const std::string& serial, const std::string& response) const;
  // The same for the certificate in `pem` (Pebble's /set-renewal-info/ names it so): malformed
  // when the PEM holds no parsable certificate.
  acme::Result<void> set_override_for_pem(std::string_view pem, const std::string& response) const;

 private:
  storage::Store& store_;
  const common::Clock& clock_;
  const ca::CertificateAuthority& ca_;
};

}  // namespace cobble::authority
