#include "authority/certificates.hpp"

#include "authority/errors.hpp"
#include "ca/authority.hpp"

namespace cobble::authority {
namespace {
using acme::Problem;
using acme::ProblemType;
}  // namespace

acme::Result<Certificate> Certificates::find(const std::string& serial) const {
  auto cert = store_.find_certificate(serial);
  if (!cert) {
    if (is_not_found(cert.error()))
      return acme::fail(Problem::not_found("No certificate with serial " + serial));
    return acme::fail(internal_error("loading a certificate", cert.error()));
  }
  return *cert;
}

acme::Result<void> Certificates::revoke(const Account* account, const acme::PublicKey* key,
                                        std::string_view der, int reason) const {
  // RFC 5280 §5.3.1 reason codes; 7 is unused and 8 (removeFromCRL) is for delta CRLs only, but
  // RFC 8555 leaves the set to the server: Cobble takes 0–6 and 8–10 like the issue asks.
  if (reason < 0 || reason > 10 || reason == 7) {
    return acme::fail(
        Problem::make(ProblemType::bad_revocation_reason,
                      "Revocation reason " + std::to_string(reason) + " is not allowed (use 0-6 or 8-10)"));
  }
  auto info = ca::parse_certificate_der(der);
  if (!info) return acme::fail(Problem::malformed("The certificate does not parse: " + info.error().message));
  auto cert = store_.find_certificate(info->serial);
  if (!cert) {
    if (is_not_found(cert.error()))
      return acme::fail(Problem::not_found("This CA did not issue that certificate"));
    return acme::fail(internal_error("loading a certificate", cert.error()));
  }
  if (account && cert->account_id != account->id) {
    return acme::fail(Problem::unauthorized("Only the account that ordered this certificate may revoke it"));
  }
  if (key && key->spki_der() != cert->key_spki) {
    return acme::fail(Problem::unauthorized("The request is not signed by the certificate's key"));
  }
  if (cert->revoked_at)
    return acme::fail(Problem::make(ProblemType::already_revoked, "The certificate is already revoked"));
  if (auto r = store_.revoke_certificate(info->serial, reason, clock_.now()); !r) {
    if (r.error().code == std::errc::operation_not_permitted) {
      return acme::fail(Problem::make(ProblemType::already_revoked, "The certificate is already revoked"));
    }
    return acme::fail(internal_error("revoking a certificate", r.error()));
  }
  return {};
}

}  // namespace cobble::authority
