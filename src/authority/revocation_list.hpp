#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

#include "acme/problem.hpp"
#include "ca/certificate_authority.hpp"
#include "common/clock.hpp"
#include "storage/store.hpp"

namespace cobble::authority {

// The intermediate's CRL (RFC 5280 §5), listing every revoked certificate that has not expired.
// Thread-safe.
class RevocationList {
 public:
  // `refresh`: a CRL is reused for at most this long, so a revocation is listed at most `refresh`
  // after it happened.
  RevocationList(storage::Store& store, const common::Clock& clock, const ca::CertificateAuthority& ca,
                 std::chrono::seconds refresh)
      : store_(store), clock_(clock), ca_(ca), refresh_(std::max(refresh, std::chrono::seconds(1))) {}

  // The current CRL as DER: the one made last while it is younger than `refresh`, else a fresh
  // one (made on this call: there is no background timer). thisUpdate is when it was made,
  // nextUpdate a day later (or `refresh` later when that is longer): a new CRL is always available
  // by then, usually much sooner. serverInternal when the store or signing fails.
  acme::Result<std::string> current();

 private:
  storage::Store& store_;
  const common::Clock& clock_;
  const ca::CertificateAuthority& ca_;
  const std::chrono::seconds refresh_;

  std::mutex mu_;  // guards the cache below
  std::string der_;
  common::TimePoint made_at_{};
  std::uint64_t number_ = 0;
};

}  // namespace cobble::authority
