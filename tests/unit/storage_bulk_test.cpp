#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <chrono>

#include "populate/populate.hpp"
#include "storage/store.hpp"
#include "support/test_database.hpp"

using namespace cobble;
using namespace std::chrono_literals;
using cobble::common::AuthzStatus;
using cobble::common::ChallengeStatus;
using cobble::test::TestDatabase;
using storage::AccountRecord;
using storage::AuthzRecord;
using storage::BulkRows;
using storage::ChallengeRecord;
using storage::IdentifierRecord;
using storage::OrderRecord;
using storage::Store;
using storage::TimePoint;
using storage::ValidationAttemptRecord;

namespace {

const TimePoint kNow = TimePoint(std::chrono::microseconds(1'750'000'000'123'456));

std::unique_ptr<Store> open_store(const TestDatabase& dir) {
  auto store = Store::open(dir.location());
  REQUIRE(store);
  return std::move(*store);
}

AccountRecord account(const std::string& thumbprint) {
  return AccountRecord{.key_thumbprint = thumbprint, .jwk = R"({"kty":"EC"})", .created_at = kNow};
}

storage::BulkOrder order(const std::string& id, std::int64_t account_id, const std::string& name) {
  AuthzRecord authz{.id = id + "-z",
                    .account_id = account_id,
                    .identifier = {"dns", name},
                    .status = AuthzStatus::valid,
                    .expires = kNow + 24h,
                    .challenges = {ChallengeRecord{.id = id + "-c", .type = "http-01", .token = "t-" + id}}};
  OrderRecord record{.id = id,
                     .account_id = account_id,
                     .created_at = kNow,
                     .expires = kNow + 24h,
                     .identifiers = {{"dns", name}},
                     .authz_ids = {authz.id}};
  return {record, {authz}};
}

ValidationAttemptRecord attempt(std::int64_t account_id, const std::string& name, TimePoint started) {
  return ValidationAttemptRecord{.account_id = account_id,
                                 .identifier = {"dns", name},
                                 .method = "http-01",
                                 .started_at = started,
                                 .finished_at = started + 1s,
                                 .result = ChallengeStatus::invalid,
                                 .problem_type = "urn:ietf:params:acme:error:connection",
                                 .problem_detail = "refused",
                                 .addresses = {"192.0.2.1", "2001:db8::1"}};
}

}  // namespace

TEST_CASE("insert_bulk stores accounts, orders and attempts as the single inserts would",
          "[storage][store][bulk]") {
  TestDatabase dir;
  auto store = open_store(dir);
  auto ids = store->insert_bulk(BulkRows{.accounts = {account("bulk-1"), account("bulk-2")}});
  REQUIRE(ids);
  REQUIRE(*ids == std::vector<std::int64_t>{1, 2});
  CHECK(store->find_account_by_thumbprint("bulk-2").value().id == 2);

  BulkRows rows{.orders = {order("o1", 1, "one.example"), order("o2", 2, "two.example")},
                .attempts = {attempt(2, "two.example", kNow), attempt(2, "two.example", kNow + 1s)}};
  REQUIRE(store->insert_bulk(rows).value().empty());
  auto stored = store->find_order("o2");
  REQUIRE(stored);
  CHECK(stored->account_id == 2);
  CHECK(stored->authz_ids == std::vector<std::string>{"o2-z"});
  auto authz = store->find_authz("o2-z");
  REQUIRE(authz);
  REQUIRE(authz->challenges.size() == 1);
  CHECK(authz->challenges[0].authz_id == "o2-z");
  CHECK(store->find_valid_authz({.account_id = 1, .identifier = {"dns", "one.example"}, .now = kNow})
            .value()
            .id == "o1-z");
  auto attempts = store->list_validation_attempts(2, {"dns", "two.example"}, 10);
  REQUIRE(attempts);
  REQUIRE(attempts->size() == 2);
  CHECK(attempts->front().started_at == kNow + 1s);  // newest first
  CHECK(attempts->front().addresses == std::vector<std::string>{"192.0.2.1", "2001:db8::1"});
  CHECK(attempts->front().problem_type == "urn:ietf:params:acme:error:connection");
}

TEST_CASE("insert_bulk is all or nothing: a taken thumbprint stores none of the batch",
          "[storage][store][bulk]") {
  TestDatabase dir;
  auto store = open_store(dir);
  REQUIRE(store->create_account(account("taken")));
  auto result = store->insert_bulk(BulkRows{.accounts = {account("fresh"), account("taken")}});
  REQUIRE_FALSE(result);
  CHECK(result.error().code == std::errc::file_exists);
  CHECK(store->find_account_by_thumbprint("fresh").error().code == std::errc::no_such_file_or_directory);
}

TEST_CASE("insert_bulk refuses an attempt of a missing account and keeps the batch's orders out",
          "[storage][store][bulk]") {
  TestDatabase dir;
  auto store = open_store(dir);
  REQUIRE(store->create_account(account("only")));
  auto result = store->insert_bulk(
      BulkRows{.orders = {order("o1", 1, "a.example")}, .attempts = {attempt(99, "a.example", kNow)}});
  REQUIRE_FALSE(result);
  CHECK(result.error().code == std::errc::no_such_file_or_directory);
  CHECK(store->find_order("o1").error().code == std::errc::no_such_file_or_directory);
}

TEST_CASE("cobble-populate's generator writes the planned rows in batches and reports each phase",
          "[storage][store][bulk][populate]") {
  TestDatabase dir;
  auto store = open_store(dir);
  populate::Plan plan{
      .accounts = 25, .attempts = 103, .orders_per_account = 2, .order_every = 10, .batch = 7};
  std::vector<std::string> phases;
  auto totals = populate::populate(*store, plan, kNow, [&](const populate::Progress& p) {
    if (phases.empty() || phases.back() != p.phase) phases.push_back(p.phase);
    CHECK(p.done <= p.total);
  });
  REQUIRE(totals);
  CHECK(totals->accounts == 25);
  CHECK(totals->orders == 6);  // accounts 1, 11, 21: two each
  CHECK(totals->attempts == 103);
  CHECK(phases == std::vector<std::string>{"accounts", "orders", "attempts"});
  CHECK(store->find_account(25));
  CHECK(store->find_account(26).error().code == std::errc::no_such_file_or_directory);
  // 103 over 25 accounts: the first three get 5 (attempts 0-4 go to account 1), over three names.
  const std::string tag = fmt::format("{:x}", 1'750'000'000'123);  // kNow in ms
  auto name = [&](int n) {
    return IdentifierRecord{"dns", fmt::format("a1-{}.{}.populate.example", n, tag)};
  };
  CHECK(store->list_validation_attempts(1, name(0), 10).value().size() == 2);
  CHECK(store->list_validation_attempts(1, name(2), 10).value().size() == 1);
  CHECK(store->find_order(fmt::format("p{}o5", tag)).value().account_id == 21);
  // A second run on the same database adds rows without clashing.
  auto again = populate::populate(*store, {.accounts = 3, .attempts = 3}, kNow + 1s, [](const auto&) {});
  REQUIRE(again);
  CHECK(store->find_account(28));
}
