#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "acme/problem.hpp"
#include "ca/certificate_authority.hpp"
#include "ca/crl_layout.hpp"
#include "common/clock.hpp"
#include "storage/store.hpp"

namespace cobble::authority {

// Each intermediate's CRLs (RFC 5280 §5), listing the revoked certificates it signed that have not
// expired: CRL 0 lists them all, and with a sharded layout CRL k (1..shards) those of shard k.
// Thread-safe.
class RevocationList {
 public:
  struct Settings {
    ca::CrlLayout layout;  // which shards exist, and the URL each names in its Issuing Distribution Point
    // A CRL is reused for at most this long, so a revocation is listed at most `refresh` after it
    // happened.
    std::chrono::seconds refresh{60};
    std::chrono::seconds lifetime{std::chrono::hours(24)};  // nextUpdate = thisUpdate + lifetime − 1 s
  };
  RevocationList(storage::Store& store, const common::Clock& clock, const ca::CertificateAuthority& ca,
                 Settings settings);

  // CRL `shard` of intermediate `issuer` (ca::IssuerInfo::id; "" for a CA with one) as DER: the
  // one made last while it is younger than `refresh`, else a fresh one (made on this call: there
  // is no background timer, so every shard served is current). nextUpdate is thisUpdate +
  // max(lifetime, refresh) − 1 s: a new CRL is available by then, usually much sooner. notFound
  // for an issuer or shard the CA does not have; serverInternal when the store or signing fails.
  acme::Result<std::string> current(const std::string& issuer, int shard);

 private:
  struct Made {
    std::string der;
    common::TimePoint at{};
  };
  storage::Store& store_;
  const common::Clock& clock_;
  const ca::CertificateAuthority& ca_;
  const Settings settings_;

  std::mutex mu_;                                     // guards the cache below
  std::map<std::pair<std::string, int>, Made> made_;  // by (issuer, shard)
  std::uint64_t number_ = 0;  // shared by every shard: each CRL's number is higher than any before
};

}  // namespace cobble::authority
