#pragma once

#include <optional>
#include <string>

#include "acme/jws.hpp"
#include "acme/problem.hpp"
#include "authority/policy.hpp"
#include "common/clock.hpp"
#include "storage/store.hpp"

namespace cobble::authority {

// RFC 8555 §7.4.2 download and §7.6 revocation. Thread-safe.
class Certificates {
 public:
  Certificates(storage::Store& store, const common::Clock& clock) : store_(store), clock_(clock) {}

  // malformed 404 when no certificate has this serial.
  acme::Result<Certificate> find(const std::string& serial) const;

  // Revokes the DER certificate `der` with `reason`. Exactly one of `account` (kid-signed
  // request: must be the issuing account) or `key` (jwk-signed: must be the certificate's key)
  // authorises it. badRevocationReason for reasons outside 0–6, 8–10; alreadyRevoked; unauthorized.
  acme::Result<void> revoke(const Account* account, const acme::PublicKey* key, std::string_view der,
                            int reason) const;

 private:
  storage::Store& store_;
  const common::Clock& clock_;
};

}  // namespace cobble::authority
