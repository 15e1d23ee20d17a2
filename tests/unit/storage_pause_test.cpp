#include <catch2/catch.hpp>

#include "authority/pauses.hpp"
#include "storage/store.hpp"
#include "support/test_database.hpp"

using namespace std::chrono_literals;
using cobble::common::AccountStatus;
using cobble::common::ChallengeStatus;
using cobble::storage::IdentifierRecord;
using cobble::storage::PauseEffect;

namespace {

struct PauseFixture {
  cobble::test::TestDatabase dir;
  std::unique_ptr<cobble::storage::Store> store =
      std::move(cobble::storage::Store::open(dir.location()).value());
  std::int64_t account = store->create_account({0, "thumb", "{}", {}, AccountStatus::valid, {}}).value();
  cobble::common::FakeClock clock;
  const std::chrono::seconds grace = std::chrono::days(14);

  PauseEffect pause(const std::string& name) {
    return store->pause_pair(account, {"dns", name}, clock.now(), grace).value();
  }
  std::size_t paused_count() { return store->list_paused(account, 1'000'000).value().size(); }
};

}  // namespace

TEST_CASE("pausing a pair is idempotent and unpausing frees it", "[storage][store][pause]") {
  PauseFixture f;
  CHECK(f.pause("a.example") == PauseEffect::paused);
  CHECK(f.pause("a.example") == PauseEffect::already_paused);
  CHECK(f.store->find_paused(f.account, {{"dns", "a.example"}, {"dns", "b.example"}}).value() ==
        std::vector<IdentifierRecord>{{"dns", "a.example"}});
  CHECK(f.store->unpause_account(f.account, 100, f.clock.now()).value() == 1);
  CHECK(f.store->find_paused(f.account, {{"dns", "a.example"}}).value().empty());
  CHECK(f.store->unpause_account(f.account, 100, f.clock.now()).value() == 0);
}

TEST_CASE("a pair unpaused less than the grace period ago is not re-paused; later it is",
          "[storage][store][pause]") {
  PauseFixture f;
  f.pause("a.example");
  f.store->unpause_account(f.account, 100, f.clock.now()).value();
  f.clock.advance(std::chrono::days(13));
  CHECK(f.pause("a.example") == PauseEffect::skipped_for_grace);
  CHECK(f.paused_count() == 0);
  f.clock.advance(std::chrono::days(1) + 1s);
  CHECK(f.pause("a.example") == PauseEffect::repaused);
  CHECK(f.paused_count() == 1);
}

TEST_CASE("a wildcard and its base name are different pairs", "[storage][store][pause]") {
  PauseFixture f;
  f.pause("*.example.com");
  CHECK(f.store->find_paused(f.account, {{"dns", "example.com"}}).value().empty());
  CHECK(f.store->find_paused(f.account, {{"dns", "*.example.com"}}).value().size() == 1);
}

TEST_CASE("unpause_account unpauses at most its limit per call", "[storage][store][pause]") {
  PauseFixture f;
  for (int i = 0; i < 12; ++i) f.pause("n" + std::to_string(i) + ".example");
  CHECK(f.store->unpause_account(f.account, 5, f.clock.now()).value() == 5);
  CHECK(f.paused_count() == 7);
  CHECK(f.store->count_paused(10).value() ==
        std::vector<std::pair<std::int64_t, std::size_t>>{{f.account, 7}});
}

TEST_CASE("a click unpauses at most max_unpaused_per_request pairs, in batches", "[authority][pause]") {
  PauseFixture f;
  cobble::authority::PauseSettings settings;
  settings.secret = std::string(32, 'k');
  settings.policy.max_unpaused_per_request = 7;
  cobble::authority::Pauses pauses(*f.store, f.clock, settings);
  for (int i = 0; i < 12; ++i) f.pause("n" + std::to_string(i) + ".example");
  CHECK(pauses.unpause_account(f.account).value() == 7);  // "some were unpaused, click again"
  CHECK(pauses.unpause_account(f.account).value() == 5);
  CHECK(pauses.unpause_account(f.account).value() == 0);  // "already unpaused"
  CHECK(pauses.counters().unpaused == 12);
}

TEST_CASE("failed validations spend the pair's bucket and the denied one pauses it", "[authority][pause]") {
  PauseFixture f;
  cobble::authority::PauseSettings settings;
  settings.secret = std::string(32, 'k');
  settings.policy.failures = {2, 1, std::chrono::hours(24 * 365)};
  cobble::authority::Pauses pauses(*f.store, f.clock, settings);
  cobble::authority::ValidationTask task;
  task.account_id = f.account;
  task.identifier = {"dns", "zombie.example"};

  // Each failure is a real challenge whose outcome is recorded by finish_challenge, with the pause
  // bookkeeping in the same transaction.
  int n = 0;
  auto fail_once = [&] {
    auto id = std::to_string(++n);
    cobble::storage::AuthzRecord authz;
    authz.id = "authz-" + id;
    authz.account_id = f.account;
    authz.identifier = {"dns", "zombie.example"};
    authz.expires = f.clock.now() + 1h;
    authz.challenges = {
        {"chall-" + id, authz.id, "http-01", "token-" + id, ChallengeStatus::pending, std::nullopt, ""}};
    cobble::storage::OrderRecord order;
    order.id = "order-" + id;
    order.account_id = f.account;
    order.created_at = f.clock.now();
    order.expires = f.clock.now() + 1h;
    order.identifiers = {authz.identifier};
    order.authz_ids = {authz.id};
    REQUIRE(f.store->insert_order(order, {authz}));
    REQUIRE(f.store->start_challenge("chall-" + id, "test-instance"));
    auto effect = f.store->finish_challenge({.challenge_id = "chall-" + id,
                                             .valid = false,
                                             .at = f.clock.now(),
                                             .error_json = "{}",
                                             .pause = pauses.bookkeeping(task).value()});
    REQUIRE(effect);
    return *effect;
  };
  CHECK(fail_once() == PauseEffect::none);
  CHECK(fail_once() == PauseEffect::none);
  CHECK(fail_once() == PauseEffect::paused);
  auto refused = pauses.check_new_order(f.account, {{"dns", "zombie.example"}}, "https://ca.test");
  REQUIRE_FALSE(refused);
  CHECK(refused.error().type == cobble::acme::ProblemType::user_action_required);
  CHECK(refused.error().status == 403);
  CHECK_THAT(refused.error().instance, Catch::StartsWith("https://ca.test/sfe/v1/unpause?jwt="));
  CHECK_THAT(refused.error().detail,
             Catch::Contains("zombie.example") && Catch::Contains(refused.error().instance));
  CHECK(pauses.check_new_order(f.account, {{"dns", "other.example"}}, "https://ca.test"));
  CHECK(pauses.bookkeeping(task)->pair.value == "zombie.example");
  task.wildcard = true;
  CHECK(pauses.bookkeeping(task)->pair.value == "*.zombie.example");
}

TEST_CASE("Boulder-compatible pausing answers rateLimited with the URL in the detail", "[authority][pause]") {
  PauseFixture f;
  cobble::authority::PauseSettings settings;
  settings.secret = std::string(32, 'k');
  settings.boulder_compatible_problem = true;
  cobble::authority::Pauses pauses(*f.store, f.clock, settings);
  f.pause("a.example");
  auto refused = pauses.check_new_order(f.account, {{"dns", "a.example"}}, "https://ca.test");
  REQUIRE_FALSE(refused);
  CHECK(refused.error().type == cobble::acme::ProblemType::rate_limited);
  CHECK(refused.error().status == 429);
  CHECK_THAT(refused.error().detail, Catch::Contains("https://ca.test/sfe/v1/unpause?jwt="));
}
