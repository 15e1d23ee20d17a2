#include <catch2/catch.hpp>
#include <chrono>

#include "storage/store.hpp"
#include "support/test_database.hpp"

// Migration 4: orders' "replaces", renewal-info overrides, revoked-certificate lists.

using cobble::storage::CertificateRecord;
using cobble::storage::OrderRecord;
using cobble::storage::Store;
using cobble::storage::TimePoint;
using cobble::test::TestDatabase;
using namespace std::chrono_literals;
using cobble::common::OrderStatus;

namespace {

const TimePoint kNow = TimePoint(std::chrono::microseconds(1'750'000'000'000'000));

struct Fixture {
  TestDatabase dir;
  std::unique_ptr<Store> store = std::move(Store::open(dir.location()).value());
  std::int64_t account = 0;

  Fixture() {
    account = store->create_account({.key_thumbprint = "t", .jwk = "{}", .created_at = kNow}).value();
  }
  // A valid order "o<n>" with certificate `serial` expiring at kNow + `life`.
  void issue(const std::string& n, const std::string& serial, std::chrono::hours life = 90 * 24h) {
    OrderRecord order{.id = "o" + n, .account_id = account, .created_at = kNow, .expires = kNow + 24h};
    REQUIRE(store->insert_order(order, {}));
    REQUIRE(store->transition_order(order.id, OrderStatus::pending, OrderStatus::processing));
    REQUIRE(store->complete_order(order.id, CertificateRecord{.serial = serial,
                                                              .account_id = account,
                                                              .order_id = order.id,
                                                              .chain_pem = "pem",
                                                              .key_spki = "spki",
                                                              .not_before = kNow,
                                                              .not_after = kNow + life}));
  }
};

}  // namespace

TEST_CASE("orders keep replaces and are found by the serial they replace", "[storage][store]") {
  Fixture f;
  f.issue("1", "0a");
  OrderRecord replacing{.id = "r1", .account_id = f.account, .created_at = kNow, .expires = kNow + 24h};
  replacing.replaces = "AQI.Cg";
  replacing.replaces_serial = "0a";
  REQUIRE(f.store->insert_order(replacing, {}));
  auto loaded = f.store->find_order("r1");
  REQUIRE(loaded);
  CHECK(loaded->replaces == "AQI.Cg");
  CHECK(loaded->replaces_serial == "0a");
  auto found = f.store->find_orders_replacing("0a");
  REQUIRE(found);
  REQUIRE(found->size() == 1);
  CHECK((*found)[0].id == "r1");
  CHECK(f.store->find_orders_replacing("0b")->empty());
}

TEST_CASE("renewal-info overrides are kept per certificate and refused for unknown ones",
          "[storage][store]") {
  Fixture f;
  f.issue("1", "0a");
  CHECK(f.store->find_renewal_info("0a").error().code == std::errc::no_such_file_or_directory);
  REQUIRE(f.store->set_renewal_info("0a", "first", kNow));
  REQUIRE(f.store->set_renewal_info("0a", "second", kNow + 1s));
  CHECK(f.store->find_renewal_info("0a").value() == "second");
  CHECK(f.store->set_renewal_info("ff", "x", kNow).error().code == std::errc::no_such_file_or_directory);
}

TEST_CASE("list_revoked returns revoked certificates that have not expired, by serial", "[storage][store]") {
  Fixture f;
  f.issue("1", "0b");
  f.issue("2", "0a");
  f.issue("3", "0c", 1h);
  f.issue("4", "0d");
  REQUIRE(f.store->revoke_certificate("0b", 1, kNow + 1s));
  REQUIRE(f.store->revoke_certificate("0a", 4, kNow + 2s));
  REQUIRE(f.store->revoke_certificate("0c", 0, kNow + 3s));
  auto revoked = f.store->list_revoked(kNow + 2h);
  REQUIRE(revoked);
  REQUIRE(revoked->size() == 2);
  CHECK((*revoked)[0].serial == "0a");
  CHECK((*revoked)[0].reason == 4);
  CHECK((*revoked)[1].serial == "0b");
  CHECK((*revoked)[1].revoked_at == kNow + 1s);
}
