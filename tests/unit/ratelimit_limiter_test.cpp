#include <catch2/catch.hpp>

#include "ratelimit/limiter.hpp"

using namespace cobble::ratelimit;
using namespace std::chrono_literals;
using cobble::common::FakeClock;

namespace {

LimitTable small_table() {
  LimitTable table;
  table.limits[LimitName::new_orders_per_account] = {3, 3, 3h};  // one back per hour
  table.limits[LimitName::certificates_per_domain] = {2, 2, 24h * 7};
  return table;
}

// Buckets in memory; `fail` makes every call fail, `conflicts` makes that many applies lose a race.
class MemoryBuckets final : public BucketStore {
 public:
  std::map<std::string, TimePoint> rows;
  bool fail = false;
  int conflicts = 0;

  cobble::common::Result<std::map<std::string, TimePoint>> load(
      const std::vector<std::string>& keys) override {
    if (fail) return cobble::common::fail(std::errc::io_error, "disk on fire");
    std::map<std::string, TimePoint> found;
    for (const auto& key : keys) {
      if (auto it = rows.find(key); it != rows.end()) found.insert(*it);
    }
    return found;
  }
  cobble::common::Result<bool> apply(const std::vector<BucketChange>& changes) override {
    if (fail) return cobble::common::fail(std::errc::io_error, "disk on fire");
    if (conflicts > 0) {
      --conflicts;
      return false;
    }
    for (const auto& change : changes) {
      if (change.tat) {
        rows[change.key] = *change.tat;
      } else {
        rows.erase(change.key);
      }
    }
    return true;
  }
};

}  // namespace

TEST_CASE("check and spend: a bucket allows its burst, then refuses with the wait", "[ratelimit]") {
  FakeClock clock;
  MemoryBuckets buckets;
  Limiter limiter(buckets, clock, small_table());
  std::vector<Transaction> order{{orders_per_account(1)}};
  for (int i = 0; i < 3; ++i) CHECK(limiter.check_and_spend(order).allowed());
  auto denied = limiter.check_and_spend(order);
  REQUIRE_FALSE(denied.allowed());
  CHECK(denied.denial->limit == LimitName::new_orders_per_account);
  CHECK(denied.denial->retry_in == 1h);
  CHECK(limiter.counters().per_limit.at(LimitName::new_orders_per_account).allowed == 3);
  CHECK(limiter.counters().per_limit.at(LimitName::new_orders_per_account).denied == 1);
  // Another account has its own bucket.
  CHECK(limiter.check_and_spend({{orders_per_account(2)}}).allowed());
}

TEST_CASE("refill under the fake clock", "[ratelimit]") {
  FakeClock clock;
  MemoryBuckets buckets;
  Limiter limiter(buckets, clock, small_table());
  std::vector<Transaction> order{{orders_per_account(1)}};
  for (int i = 0; i < 3; ++i) REQUIRE(limiter.check_and_spend(order).allowed());
  REQUIRE_FALSE(limiter.check_and_spend(order).allowed());
  clock.advance(59min);
  CHECK_FALSE(limiter.check_and_spend(order).allowed());
  clock.advance(1min);
  CHECK(limiter.check_and_spend(order).allowed());
  CHECK_FALSE(limiter.check_and_spend(order).allowed());
  clock.advance(3h);  // a whole period: full again
  for (int i = 0; i < 3; ++i) CHECK(limiter.check_and_spend(order).allowed());
}

TEST_CASE("check-only transactions refuse but never spend; spend-only ones never refuse", "[ratelimit]") {
  FakeClock clock;
  MemoryBuckets buckets;
  Limiter limiter(buckets, clock, small_table());
  auto domain = BucketKey{LimitName::certificates_per_domain, "example.com"};
  for (int i = 0; i < 5; ++i) CHECK(limiter.check_and_spend({{domain, Action::check_only}}).allowed());
  CHECK(buckets.rows.empty());
  CHECK(limiter.check_and_spend({{domain, Action::spend_only}}).allowed());
  CHECK(limiter.check_and_spend({{domain, Action::spend_only}}).allowed());
  CHECK(limiter.check_and_spend({{domain, Action::spend_only}}).allowed());  // empty: stays empty
  CHECK_FALSE(limiter.check_and_spend({{domain, Action::check_only}}).allowed());
}

TEST_CASE("a batch: any denial refuses it all, spends nothing and reports the longest wait", "[ratelimit]") {
  FakeClock clock;
  auto table = small_table();
  auto now = clock.now();
  auto domain = BucketKey{LimitName::certificates_per_domain, "example.com"};
  auto account = orders_per_account(1);
  // The account's bucket is empty for 1 h more, the domain's for 3.5 days more.
  std::map<std::string, TimePoint> tats{{account.text(), now + 3h}, {domain.text(), now + 24h * 7 + 84h}};
  auto plan = plan_spend(table, tats, now, {{account}, {domain, Action::check_only}});
  REQUIRE_FALSE(plan.decision.allowed());
  CHECK(plan.decision.denial->limit == LimitName::certificates_per_domain);
  CHECK(plan.decision.denial->retry_in == 84h + 84h);
  CHECK(plan.changes.empty());
  // With only the account's bucket short, that is the denial, and the domain's check spends nothing.
  auto one = plan_spend(table, {{account.text(), now + 3h}}, now, {{account}, {domain, Action::check_only}});
  REQUIRE(one.decision.denial);
  CHECK(one.decision.denial->limit == LimitName::new_orders_per_account);
  CHECK(one.decision.denial->retry_in == 1h);
  // A limit the table lacks is off.
  auto off = plan_spend(LimitTable{}, {}, now, {{account}});
  CHECK(off.decision.allowed());
  CHECK(off.changes.empty());
}

TEST_CASE("one key twice in a batch sees its own first spend", "[ratelimit]") {
  FakeClock clock;
  LimitTable table;
  table.limits[LimitName::new_orders_per_account] = {1, 1, 1h};
  auto key = orders_per_account(7);
  auto plan = plan_spend(table, {}, clock.now(), {{key}, {key}});
  CHECK_FALSE(plan.decision.allowed());
}

TEST_CASE("refunds give tokens back and delete a full bucket", "[ratelimit]") {
  FakeClock clock;
  MemoryBuckets buckets;
  Limiter limiter(buckets, clock, small_table());
  std::vector<Transaction> order{{orders_per_account(1)}};
  for (int i = 0; i < 3; ++i) REQUIRE(limiter.check_and_spend(order).allowed());
  REQUIRE_FALSE(limiter.check_and_spend(order).allowed());
  limiter.refund(order);
  CHECK(limiter.check_and_spend(order).allowed());
  limiter.refund(order);
  limiter.refund(order);
  limiter.refund(order);
  CHECK(buckets.rows.empty());  // full again: no row
  limiter.refund(order);        // refunding a full bucket does nothing
  CHECK(buckets.rows.empty());
}

TEST_CASE("a store error fails open and is counted; a lost race decides again", "[ratelimit]") {
  FakeClock clock;
  MemoryBuckets buckets;
  Limiter limiter(buckets, clock, small_table());
  buckets.fail = true;
  auto decision = limiter.check_and_spend({{orders_per_account(1)}});
  CHECK(decision.allowed());
  CHECK(decision.failed_open);
  CHECK(limiter.counters().failed_open == 1);
  CHECK(limiter.counters().per_limit.at(LimitName::new_orders_per_account).failed_open == 1);
  CHECK(limiter.counters().per_limit.at(LimitName::new_orders_per_account).allowed == 0);
  buckets.fail = false;
  buckets.conflicts = 2;
  auto raced = limiter.check_and_spend({{orders_per_account(1)}});
  CHECK(raced.allowed());
  CHECK_FALSE(raced.failed_open);
  CHECK(buckets.rows.size() == 1);
  buckets.conflicts = 100;
  CHECK(limiter.check_and_spend({{orders_per_account(1)}}).failed_open);
}

TEST_CASE("the refusal names the limit, its rate, when to retry and where to read", "[ratelimit]") {
  Denial denial{LimitName::new_orders_per_account, {300, 300, 3h}, "NewOrdersPerAccount:1", 90min};
  auto now = std::chrono::sys_days{std::chrono::year{2026} / 12 / 3} + 13h + 34min + 5s;
  CHECK(refusal_detail(denial, now, "https://letsencrypt.org/docs/rate-limits/") ==
        "too many new orders from this account (300 per 3h0m0s), retry after 2026-12-03 15:04:05 UTC: see "
        "https://letsencrypt.org/docs/rate-limits/#new-orders-per-account");
}

TEST_CASE("Retry-After: the wait rounded up plus 0-3 % jitter", "[ratelimit]") {
  CHECK(retry_after_seconds(1000s, 0.0) == 1000);
  CHECK(retry_after_seconds(1000s, 0.999) == 1029);
  CHECK(retry_after_seconds(999ms, 0.0) == 1);
  CHECK(retry_after_seconds(-5s, 0.5) == 0);
  for (double f : {0.0, 0.25, 0.5, 0.75, 0.9999}) {
    auto seconds = retry_after_seconds(3600s, f);
    CHECK(seconds >= 3600);
    CHECK(seconds <= 3708);
  }
}
