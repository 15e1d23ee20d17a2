#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "common/clock.hpp"
#include "common/gcra.hpp"

namespace cobble::ratelimit {

// Requests per second per client address with a burst, per endpoint: what Let's Encrypt's load
// balancers enforce in front of Boulder, answered with 503 and Retry-After.
struct RequestRate {
  std::int64_t per_second = 1;
  std::int64_t burst = 1;
};

// Endpoints by the names the chaos settings use ("newNonce", "newAccount", "newOrder",
// "revokeCert", "renewalInfo", "directory", "account", "order", "finalize", ...); `other` covers
// every ACME endpoint without a row of its own. Empty and without `other`: off.
struct RequestLimitTable {
  std::map<std::string, RequestRate> endpoints;
  std::optional<RequestRate> other;

  bool enabled() const { return !endpoints.empty() || other.has_value(); }
  const RequestRate* find(const std::string& endpoint) const;

  // Let's Encrypt production (requests/s, burst): new-nonce 20/10, new-account 5/15, new-order
  // 300/200, revoke-cert 10/100, renewal-info 1000/100, /directory 40/40, other /acme/* 250/125.
  static RequestLimitTable lets_encrypt_production();
  // Staging: new-order 20/40 and other /acme/* 20/20; the rest as production.
  static RequestLimitTable lets_encrypt_staging();
};

// In-memory GCRA buckets per (endpoint, client address), as a load balancer keeps them: not in
// the database, gone on restart. Buckets that are full again are swept once the map grows past
// `sweep_above`, so memory stays bounded by the clients of the last few seconds. Thread-safe.
class RequestLimiter {
 public:
  RequestLimiter(const common::Clock& clock, RequestLimitTable table, std::size_t sweep_above = 100'000);

  bool enabled() const { return table_.enabled(); }
  const RequestLimitTable& table() const { return table_; }
  // nullopt when the request may go on; else how long until it may (and it is not counted).
  std::optional<common::gcra::Duration> admit(const std::string& endpoint, const std::string& client);
  std::size_t tracked() const;

 private:
  const common::Clock& clock_;
  RequestLimitTable table_;
  std::size_t sweep_above_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, common::TimePoint> tats_;
};

}  // namespace cobble::ratelimit
