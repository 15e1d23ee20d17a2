#pragma once

#include <atomic>
#include <map>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "ratelimit/keys.hpp"
#include "ratelimit/limits.hpp"

namespace cobble::ratelimit {

using common::TimePoint;
using common::gcra::Duration;

// What a request does with a bucket (as Boulder's transactions): check and spend (newOrder's
// orders-per-account), check only (newOrder's certificates-per-domain, spent at issuance), or
// spend only (a failed authorization, an issued certificate: counted, never refused).
enum class Action { check_and_spend, check_only, spend_only };

struct Transaction {
  BucketKey key;
  Action action = Action::check_and_spend;
  std::int64_t cost = 1;
};

// The refusal of a batch: the denied limit with the longest wait.
struct Denial {
  LimitName limit;
  common::gcra::Limit values;
  std::string bucket;  // BucketKey::text()
  Duration retry_in{0};
};

struct Decision {
  std::optional<Denial> denial;
  bool failed_open = false;  // the store failed and the request was let through
  bool allowed() const { return !denial.has_value(); }
};

// One bucket's new state, written only if the stored one is still `expected` (nullopt: no row);
// `tat` nullopt deletes the row (a full bucket needs none).
struct BucketChange {
  std::string key;
  std::optional<TimePoint> expected;
  std::optional<TimePoint> tat;
};

// Where buckets live (the Store: SQLite now, PostgreSQL for several instances). Implementations
// are thread-safe.
class BucketStore {
 public:
  virtual ~BucketStore() = default;
  // The stored TATs of those `keys` that have one.
  virtual common::Result<std::map<std::string, TimePoint>> load(const std::vector<std::string>& keys) = 0;
  // All `changes` in one transaction, or none when a bucket no longer holds its `expected` TAT
  // (another request spent it in between): then false.
  virtual common::Result<bool> apply(const std::vector<BucketChange>& changes) = 0;
};

// The pure decision, for the Limiter and for tests: every check_and_spend and check_only
// transaction of an enabled limit is tried against `tats` (one key may appear several times: each
// sees the ones before); any denial refuses the whole batch, reporting the longest wait, and
// spends nothing; otherwise the check_and_spend and spend_only transactions are spent (a spend_only
// against an empty bucket leaves it as it is). Transactions of limits the table lacks are ignored.
struct Plan {
  Decision decision;
  std::vector<BucketChange> changes;
};
Plan plan_spend(const LimitTable& table, const std::map<std::string, TimePoint>& tats, TimePoint now,
                const std::vector<Transaction>& transactions);
// Gives back what spends took (a failed order, a failed issuance): each bucket's TAT moves back by
// cost × emission interval, and a bucket that is full again is deleted.
std::vector<BucketChange> plan_refund(const LimitTable& table, const std::map<std::string, TimePoint>& tats,
                                      TimePoint now, const std::vector<Transaction>& transactions);

// A refusal as Let's Encrypt words it: "too many new orders from this account (300 per 3h0m0s),
// retry after 2026-12-03 15:04:05 UTC: see https://letsencrypt.org/docs/rate-limits/#new-orders-per-account".
std::string refusal_detail(const Denial& denial, TimePoint now, const std::string& docs_url);
// Retry-After in whole seconds: the wait rounded up, plus `jitter_fraction` (0 ≤ f < 1) of 3 % of
// it, as Let's Encrypt spreads retries (so the result lies in [wait, wait × 1.03]).
std::int64_t retry_after_seconds(Duration retry_in, double jitter_fraction);

// Counts since start, per limit, for /metrics.
struct LimitCounters {
  std::atomic<std::uint64_t> allowed{0};
  std::atomic<std::uint64_t> denied{0};
  std::atomic<std::uint64_t> failed_open{0};  // checks skipped because the store failed
};
struct Counters {
  std::map<LimitName, LimitCounters> per_limit;
  std::atomic<std::uint64_t> failed_open{0};  // requests let through because the store failed
  Counters();
};

// Rate limits over a BucketStore. Fail open: when the store fails, a request is let through
// (Decision::failed_open, counted), since a broken limiter must not stop the CA; pausing, which
// fails closed, is checked elsewhere. Thread-safe; `store` and `clock` must outlive it.
class Limiter {
 public:
  Limiter(BucketStore& store, const common::Clock& clock, LimitTable table);

  // A copy: overrides may change while the server runs.
  LimitTable table() const;
  bool enabled() const;
  // Sets (or with nullopt removes) one bucket's override at run time (the management API).
  void set_override(const std::string& bucket_key, std::optional<common::gcra::Limit> limit);
  const Counters& counters() const { return counters_; }

  // Decides and spends in one store transaction, retried when another request spent a bucket in
  // between.
  Decision check_and_spend(const std::vector<Transaction>& transactions);
  // Gives back spends (errors are counted as failed open and otherwise ignored).
  void refund(const std::vector<Transaction>& transactions);
  // The stored TATs of these buckets (for the management API); empty map when the store fails.
  common::Result<std::map<std::string, TimePoint>> buckets(const std::vector<std::string>& keys);

 private:
  // Counts a request let through unchecked, per limit it would have checked.
  Decision fail_open(const LimitTable& table, const std::vector<Transaction>& transactions);

  BucketStore& store_;
  const common::Clock& clock_;
  mutable std::shared_mutex table_mu_;  // guards table_ (its overrides change at run time)
  LimitTable table_;
  Counters counters_;
};

}  // namespace cobble::ratelimit
