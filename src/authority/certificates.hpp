#pragma once

#include <optional>
#include <string>
#include <variant>

#include "acme/jws.hpp"
#include "acme/problem.hpp"
#include "authority/ca_policy.hpp"
#include "common/clock.hpp"
#include "storage/store.hpp"

namespace cobble::ca {
class CertificateAuthority;
}

namespace cobble::authority {

// RFC 8555 §7.4.2 download and §7.6 revocation. Thread-safe.
class Certificates {
 public:
  // `ca` (may be null: one chain, as stored) supplies the alternate chains; it and `policy` must
  // outlive this.
  Certificates(storage::Store& store, const common::Clock& clock, const Policy& policy,
               const ca::CertificateAuthority* ca = nullptr)
      : store_(store), clock_(clock), policy_(policy), ca_(ca) {}

  // RFC 8555 §7.4.2: chains a certificate can be downloaded with; 0 is the default, the others
  // lead to alternate roots.
  std::size_t chain_count() const;
  // `cert` with chain `chain`: 0 is the chain stored at issuance, n ≥ 1 the leaf with alternate
  // chain n. malformed 404 when there is no chain `chain`.
  acme::Result<std::string> chain_pem(const Certificate& cert, std::size_t chain) const;

  // malformed 404 when no certificate has this serial.
  acme::Result<Certificate> find(const std::string& serial) const;

  // Who signed a revocation request: an account (kid) or a key (jwk: must be the certificate's).
  using Revoker = std::variant<Account, acme::PublicKey>;

  // Revokes the DER certificate `der` with `reason`, as `by` asks. RFC 8555 §7.6:
  // the account must be the one that ordered the certificate, or hold valid, unexpired
  // authorizations for every identifier in it (a "*.name" needs a wildcard authorization for
  // "name"; a plain one proves less than dns-01 for the whole zone). badRevocationReason for
  // reasons outside policy.revocation_reasons (default 0–6, 8–10); alreadyRevoked; unauthorized naming the
  // identifiers the account has no authorization for.
  acme::Result<void> revoke(const Revoker& by, std::string_view der, int reason) const;

 private:
  // badRevocationReason naming the reasons allowed, unless `reason` is one of them.
  acme::Result<void> check_reason(int reason) const;
  // unauthorized listing the identifiers of `cert` `account` holds no valid authorization for.
  acme::Result<void> check_control(const Account& account, const Certificate& cert) const;

  storage::Store& store_;
  const common::Clock& clock_;
  const Policy& policy_;
  const ca::CertificateAuthority* ca_;
};

}  // namespace cobble::authority
