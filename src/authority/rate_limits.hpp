#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "acme/problem.hpp"
#include "acme/types.hpp"
#include "common/clock.hpp"
#include "ratelimit/limiter.hpp"
#include "storage/store.hpp"

namespace cobble::authority {

// The Store as the limiter's bucket store.
class StoreBuckets final : public ratelimit::BucketStore {
 public:
  explicit StoreBuckets(storage::Store& store) : store_(store) {}
  common::Result<std::map<std::string, common::TimePoint>> load(
      const std::vector<std::string>& keys) override;
  common::Result<bool> apply(const std::vector<ratelimit::BucketChange>& changes) override;

 private:
  storage::Store& store_;
};

// One stored bucket as operators see it.
struct BucketState {
  std::string key;            // "NewOrdersPerAccount:42"
  std::string limit;          // "NewOrdersPerAccount"
  common::TimePoint tat;      // GCRA theoretical arrival time
  double tokens = 0;          // available now (burst when full; 0 for a limit now off)
  std::int64_t burst = 0;     // the limit's burst (0 for a limit now off)
  common::TimePoint full_at;  // when the bucket is full again
};

// Why a new order may skip limits (Let's Encrypt's renewal exemptions).
struct OrderExemptions {
  // An ARI renewal: `replaces` names the account's certificate and its renewal window has begun.
  // Skips every new-order limit.
  bool ari_renewal = false;
  // A certificate for exactly this identifier set was issued in the last 120 days. Skips
  // NewOrdersPerAccount and CertificatesPerDomain.
  bool recent_same_set = false;
};

// Let's Encrypt's rate limits where the ACME workflows meet them (issue #15): which buckets each
// request checks and spends, and a denial as Let's Encrypt answers it (429 rateLimited, a detail
// naming the limit, its rate and when to retry, Retry-After with 0-3 % jitter, Link rel="help").
// Off when the table is empty. Thread-safe; `store` and `clock` must outlive it.
class RateLimits {
 public:
  RateLimits(storage::Store& store, const common::Clock& clock, ratelimit::LimitTable table);

  bool enabled() const { return limiter_.enabled(); }
  ratelimit::Limiter& limiter() { return limiter_; }
  const ratelimit::Counters& counters() const { return limiter_.counters(); }

  // newAccount from `client_address`: NewRegistrationsPerIPAddress and, for IPv6, per /48.
  acme::Result<void> check_new_account(const std::string& client_address);
  // Gives those back when the account was not made after all.
  void refund_new_account(const std::string& client_address);

  // newOrder: NewOrdersPerAccount (spent), FailedAuthorizationsPerDomainPerAccount per identifier,
  // CertificatesPerDomain and CertificatesPerFQDNSet (checked, spent at issuance), minus the
  // exemptions. On success returns what was spent, for refund() if the order is not made.
  acme::Result<std::vector<ratelimit::Transaction>> check_new_order(
      std::int64_t account_id, const std::vector<acme::Identifier>& identifiers,
      const OrderExemptions& exemptions);
  void refund(const std::vector<ratelimit::Transaction>& spent);

  // A failed authorization of `identifier` by the account (spent whatever the bucket holds).
  void spend_failed_authorization(std::int64_t account_id, const acme::Identifier& identifier);
  // A certificate issued for these identifiers: CertificatesPerDomain and CertificatesPerFQDNSet.
  void spend_issuance(const std::vector<acme::Identifier>& identifiers);

  // Stored buckets whose key starts with `prefix`, emptiest first, at most `limit`.
  acme::Result<std::vector<BucketState>> list(const std::string& prefix, std::size_t limit) const;
  // Sets one bucket's own limit at run time (nullopt removes it): malformed for a key that names
  // no limit. Kept in memory: the config file's `overrides` are the lasting ones.
  acme::Result<void> set_override(const std::string& bucket_key, std::optional<common::gcra::Limit> limit);
  std::map<std::string, common::gcra::Limit> overrides() const { return limiter_.table().overrides; }
  // Refills (deletes) the buckets whose key starts with `prefix` ("" = all); how many there were.
  acme::Result<std::size_t> reset(const std::string& prefix) const;

  // The key of the exact identifier set, as certificates keep it for the 120-day exemption.
  static std::string identifier_set_key(const std::vector<acme::Identifier>& identifiers);

 private:
  acme::Problem refusal(const ratelimit::Denial& denial) const;
  acme::Result<void> decide(const std::vector<ratelimit::Transaction>& transactions);

  storage::Store& store_;
  StoreBuckets buckets_;
  const common::Clock& clock_;
  ratelimit::Limiter limiter_;
  ratelimit::RegisteredDomains domains_;
};

}  // namespace cobble::authority
