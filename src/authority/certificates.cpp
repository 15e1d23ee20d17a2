#include "authority/certificates.hpp"

#include <algorithm>

#include "authority/errors.hpp"
#include "ca/certificate_authority.hpp"

namespace cobble::authority {
namespace {
using acme::Problem;
using acme::ProblemType;
}  // namespace

acme::Result<void> Certificates::check_control(const Account& account, const Certificate& cert) const {
  std::string missing;
  for (const auto& identifier : cert.identifiers) {
    bool wildcard = identifier.value.starts_with("*.");
    storage::IdentifierRecord base{identifier.type, wildcard ? identifier.value.substr(2) : identifier.value};
    auto authz = store_.find_valid_authz(
        {.account_id = account.id, .identifier = base, .wildcard = wildcard, .now = clock_.now()});
    if (authz) continue;
    if (!is_not_found(authz.error()))
      return acme::fail(internal_error("looking up authorizations", authz.error()));
    missing += (missing.empty() ? "" : ", ") + identifier.type + ":" + identifier.value;
  }
  if (missing.empty()) return {};
  return acme::fail(Problem::unauthorized(
      "Account " + std::to_string(account.id) +
      " did not order this certificate and holds no valid authorization for " + missing +
      "; an account may revoke a certificate it did not order once it has valid authorizations for "
      "every identifier in it (RFC 8555 §7.6), a wildcard needing a wildcard authorization"));
}

std::size_t Certificates::chain_count() const { return ca_ ? ca_->chain_count() : 1; }

acme::Result<std::string> Certificates::chain_pem(const Certificate& cert, std::size_t chain) const {
  if (chain >= chain_count()) {
    return acme::fail(Problem::not_found("Certificate " + cert.serial + " has no chain " +
                                         std::to_string(chain) + " (chains 0 to " +
                                         std::to_string(chain_count() - 1) + ")"));
  }
  if (chain == 0) return cert.chain_pem;
  constexpr std::string_view kEnd = "-----END CERTIFICATE-----\n";
  auto end = cert.chain_pem.find(kEnd);
  if (end == std::string::npos)
    return acme::fail(Problem::server_internal("The stored certificate is unusable"));
  return cert.chain_pem.substr(0, end + kEnd.size()) + ca_->issuer_chain_pem(chain);
}

acme::Result<Certificate> Certificates::find(const std::string& serial) const {
  auto cert = store_.find_certificate(serial);
  if (!cert) {
    if (is_not_found(cert.error()))
      return acme::fail(Problem::not_found("No certificate with serial " + serial));
    return acme::fail(internal_error("loading a certificate", cert.error()));
  }
  return *cert;
}

acme::Result<void> Certificates::check_reason(int reason) const {
  // RFC 5280 §5.3.1 reason codes; 7 is unused and 8 (removeFromCRL) is for delta CRLs only, but
  // RFC 8555 leaves the set to the server: Cobble takes 0–6 and 8–10 unless policy narrows them.
  const auto& allowed = policy_.revocation_reasons;
  if (allowed.empty() ? reason >= 0 && reason <= 10 && reason != 7
                      : std::find(allowed.begin(), allowed.end(), reason) != allowed.end())
    return {};
  std::string listed;
  for (int r : allowed) listed += (listed.empty() ? "" : ", ") + std::to_string(r);
  return acme::fail(Problem::make(ProblemType::bad_revocation_reason,
                                  "Revocation reason " + std::to_string(reason) + " is not allowed (use " +
                                      (allowed.empty() ? std::string("0-6 or 8-10") : listed) + ")"));
}

acme::Result<void> Certificates::revoke(const Revoker& by, std::string_view der, int reason) const {
  if (auto allowed = check_reason(reason); !allowed) return acme::fail(allowed.error());
  auto info = ca::parse_certificate_der(der);
  if (!info) return acme::fail(Problem::malformed("The certificate does not parse: " + info.error().message));
  auto cert = store_.find_certificate(info->serial);
  if (!cert) {
    if (is_not_found(cert.error()))
      return acme::fail(Problem::not_found("This CA did not issue that certificate"));
    return acme::fail(internal_error("loading a certificate", cert.error()));
  }
  const auto* account = std::get_if<Account>(&by);
  if (account && cert->account_id != account->id) {
    if (auto controls = check_control(*account, *cert); !controls) return acme::fail(controls.error());
  }
  const auto* key = std::get_if<acme::PublicKey>(&by);
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
