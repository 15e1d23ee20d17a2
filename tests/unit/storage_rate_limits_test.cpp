#include <catch2/catch.hpp>
#include <chrono>

#include "storage/store.hpp"
#include "support/test_database.hpp"

// Migration 9: rate-limit buckets, written by compare and set.

using cobble::storage::RateLimitBucketChange;
using cobble::storage::Store;
using cobble::storage::TimePoint;
using cobble::test::TestDatabase;
using namespace std::chrono_literals;

namespace {

const TimePoint kNow = TimePoint(std::chrono::microseconds(1'750'000'000'000'000));

struct Fixture {
  TestDatabase dir;
  std::unique_ptr<Store> store = std::move(Store::open(dir.location()).value());
};

}  // namespace

TEST_CASE("rate-limit buckets are written only over the TAT their writer read",
          "[storage][store][ratelimit]") {
  Fixture f;
  CHECK(f.store->find_rate_limit_buckets({"A:1"}).value().empty());
  REQUIRE(f.store->update_rate_limit_buckets({{"A:1", std::nullopt, kNow + 1h}}).value());
  // A second writer that also read "no row" loses, and writes nothing of its batch.
  CHECK_FALSE(
      f.store->update_rate_limit_buckets({{"B:1", std::nullopt, kNow}, {"A:1", std::nullopt, kNow + 2h}})
          .value());
  auto found = f.store->find_rate_limit_buckets({"A:1", "B:1"}).value();
  REQUIRE(found.size() == 1);
  CHECK(found.at("A:1") == kNow + 1h);
  // Over the right TAT: updated; over a stale one: refused.
  CHECK(f.store->update_rate_limit_buckets({{"A:1", kNow + 1h, kNow + 2h}}).value());
  CHECK_FALSE(f.store->update_rate_limit_buckets({{"A:1", kNow + 1h, kNow + 3h}}).value());
  // A full bucket loses its row.
  CHECK(f.store->update_rate_limit_buckets({{"A:1", kNow + 2h, std::nullopt}}).value());
  CHECK(f.store->find_rate_limit_buckets({"A:1"}).value().empty());
}

TEST_CASE("rate-limit buckets are listed emptiest first, refilled by prefix and kept across reopen",
          "[storage][store][ratelimit]") {
  Fixture f;
  REQUIRE(f.store
              ->update_rate_limit_buckets({{"NewOrdersPerAccount:1", std::nullopt, kNow + 1h},
                                           {"NewOrdersPerAccount:2", std::nullopt, kNow + 3h},
                                           {"CertificatesPerDomain:a_b.example", std::nullopt, kNow + 2h}})
              .value());
  auto all = f.store->list_rate_limit_buckets("", 10).value();
  REQUIRE(all.size() == 3);
  CHECK(all[0].first == "NewOrdersPerAccount:2");
  CHECK(all[1].first == "CertificatesPerDomain:a_b.example");
  CHECK(f.store->list_rate_limit_buckets("NewOrders", 1).value().size() == 1);
  // LIKE's wildcards in a prefix are plain characters.
  CHECK(f.store->list_rate_limit_buckets("CertificatesPerDomain:a_", 10).value().size() == 1);
  CHECK(f.store->list_rate_limit_buckets("CertificatesPerDomain:ax", 10).value().empty());
  f.store.reset();
  f.store = std::move(Store::open(f.dir.location()).value());
  CHECK(f.store->find_rate_limit_buckets({"NewOrdersPerAccount:1"}).value().size() == 1);
  CHECK(f.store->delete_rate_limit_buckets("NewOrdersPerAccount:").value() == 2);
  CHECK(f.store->list_rate_limit_buckets("", 10).value().size() == 1);
  REQUIRE(f.store->reset());
  CHECK(f.store->list_rate_limit_buckets("", 10).value().empty());
}

TEST_CASE("certificates keep their identifier set's key, found by issuance time",
          "[storage][store][ratelimit]") {
  Fixture f;
  auto account = f.store->create_account({.key_thumbprint = "t", .jwk = "{}", .created_at = kNow}).value();
  cobble::storage::OrderRecord order{
      .id = "o1", .account_id = account, .created_at = kNow, .expires = kNow + 24h};
  REQUIRE(f.store->insert_order(order, {}));
  REQUIRE(f.store->transition_order("o1", cobble::common::OrderStatus::pending,
                                    cobble::common::OrderStatus::processing));
  REQUIRE(f.store->complete_order("o1", {.serial = "ab",
                                         .account_id = account,
                                         .order_id = "o1",
                                         .chain_pem = "pem",
                                         .key_spki = "spki",
                                         .not_before = kNow,
                                         .not_after = kNow + 90 * 24h,
                                         .identifier_set = "set-1"}));
  CHECK(f.store->find_certificate("ab")->identifier_set == "set-1");
  CHECK(f.store->has_certificate_for_set("set-1", kNow - 1h).value());
  CHECK(f.store->has_certificate_for_set("set-1", kNow).value());
  CHECK_FALSE(f.store->has_certificate_for_set("set-1", kNow + 1s).value());
  CHECK_FALSE(f.store->has_certificate_for_set("set-2", kNow - 1h).value());
  CHECK_FALSE(f.store->has_certificate_for_set("", kNow - 1h).value());
}
