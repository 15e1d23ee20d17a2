// Several Stores on one database, as several Cobble instances share one: the check-then-write
// operations must stay exact when their callers race from different Stores and threads. ctest runs
// these against SQLite (two connections to one file) and PostgreSQL (storage.postgresql).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "storage/store.hpp"
#include "support/test_database.hpp"

using namespace std::chrono_literals;
using cobble::common::AccountStatus;
using cobble::common::AuthzStatus;
using cobble::common::ChallengeStatus;
using cobble::common::OrderStatus;
using cobble::common::TimePoint;
using cobble::storage::AuthzRecord;
using cobble::storage::ChallengeOutcomeRecord;
using cobble::storage::ChallengeRecord;
using cobble::storage::OrderRecord;
using cobble::storage::PauseBookkeeping;
using cobble::storage::PauseEffect;
using cobble::storage::RateLimitBucketChange;
using cobble::storage::Store;

namespace {

const TimePoint kNow = TimePoint(std::chrono::microseconds(1'750'000'000'000'000));
constexpr int kInstances = 2;
constexpr int kThreadsPerInstance = 4;

// Inside race(): a result that must hold, or the thread stops with what failed.
template <class Result>
void must(const Result& result, const char* what) {
  if (!result) throw std::runtime_error(std::string(what) + " failed: " + result.error().message);
}

struct Deployment {
  cobble::test::TestDatabase database;
  std::vector<std::unique_ptr<Store>> instances;
  std::int64_t account = 0;

  Deployment() {
    for (int i = 0; i < kInstances; ++i)
      instances.push_back(std::move(Store::open(database.location()).value()));
    account = instances[0]->create_account({0, "thumb", "{}", {}, AccountStatus::valid, kNow}).value();
  }

  // Runs `work(store, thread_index)` on every thread of every instance at once. Catch's assertions
  // are not thread-safe: a thread reports with must(), and the failures are checked here after.
  template <class Work>
  void race(Work work) {
    std::vector<std::thread> threads;
    std::atomic<bool> go{false};
    std::mutex mu;
    std::vector<std::string> failures;
    for (int i = 0; i < kInstances * kThreadsPerInstance; ++i) {
      threads.emplace_back([&, i] {
        while (!go.load()) std::this_thread::yield();
        try {
          work(*instances[i % kInstances], i);
        } catch (const std::exception& e) {
          std::lock_guard lock(mu);
          failures.push_back("thread " + std::to_string(i) + ": " + e.what());
        }
      });
    }
    go = true;
    for (auto& t : threads) t.join();
    for (const auto& failure : failures) FAIL_CHECK(failure);
    REQUIRE(failures.empty());
  }

  // One order of `n` authorizations for the same identifier, each with one challenge, all started.
  std::vector<std::string> processing_challenges(int n) {
    OrderRecord order{.id = "o", .account_id = account, .created_at = kNow, .expires = kNow + 1h};
    std::vector<AuthzRecord> authzs;
    std::vector<std::string> challenges;
    for (int i = 0; i < n; ++i) {
      auto id = std::to_string(i);
      order.identifiers.push_back({"dns", "zombie.example"});
      order.authz_ids.push_back("z" + id);
      authzs.push_back(
          AuthzRecord{.id = "z" + id,
                      .account_id = account,
                      .identifier = {"dns", "zombie.example"},
                      .expires = kNow + 1h,
                      .challenges = {ChallengeRecord{.id = "c" + id, .type = "http-01", .token = id}}});
      challenges.push_back("c" + id);
    }
    REQUIRE(instances[0]->insert_order(order, authzs));
    for (const auto& id : challenges) REQUIRE(instances[0]->start_challenge(id, "test-instance"));
    return challenges;
  }
};

// Retries what a busy SQLite file refuses (PostgreSQL waits on its locks instead).
template <class Call>
auto patiently(Call call) {
  for (int attempt = 0;; ++attempt) {
    auto result = call();
    if (result || result.error().code != std::errc::resource_unavailable_try_again || attempt == 50)
      return result;
    std::this_thread::sleep_for(10ms);
  }
}

}  // namespace

TEST_CASE("racing failures of one pair from several instances pause it exactly once",
          "[storage][store][instances]") {
  Deployment d;
  constexpr int kBurst = 40;
  constexpr int kFailures = 120;
  auto challenges = d.processing_challenges(kFailures);
  std::atomic<int> next{0};
  std::mutex mu;
  std::map<PauseEffect, int> effects;
  d.race([&](Store& store, int) {
    for (int i = next++; i < kFailures; i = next++) {
      ChallengeOutcomeRecord outcome{
          .challenge_id = challenges[i],
          .at = kNow,
          .error_json = "{}",
          .pause = PauseBookkeeping{
              .account_id = d.account,
              .pair = {"dns", "zombie.example"},
              .failures = {.burst = kBurst, .count = 1, .period = std::chrono::hours(24 * 365)},
              .now = kNow,
              .grace = 0s}};
      auto effect = patiently([&] { return store.finish_challenge(outcome); });
      must(effect, "finish_challenge");
      std::lock_guard lock(mu);
      ++effects[*effect];
    }
  });
  // The clock stands still: exactly `burst` failures fit, the next pauses, the rest find it paused.
  CHECK(effects[PauseEffect::none] == kBurst);
  CHECK(effects[PauseEffect::paused] == 1);
  CHECK(effects[PauseEffect::already_paused] == kFailures - kBurst - 1);
  CHECK(d.instances[1]->find_paused(d.account, {{"dns", "zombie.example"}}).value().size() == 1);
}

TEST_CASE("a challenge started by several instances at once starts once", "[storage][store][instances]") {
  Deployment d;
  OrderRecord order{.id = "o",
                    .account_id = d.account,
                    .created_at = kNow,
                    .expires = kNow + 1h,
                    .identifiers = {{"dns", "a.example"}},
                    .authz_ids = {"z"}};
  REQUIRE(d.instances[0]->insert_order(
      order, {AuthzRecord{.id = "z",
                          .account_id = d.account,
                          .identifier = {"dns", "a.example"},
                          .expires = kNow + 1h,
                          .challenges = {ChallengeRecord{.id = "c", .type = "http-01", .token = "t"}}}}));
  std::atomic<int> started{0};
  std::atomic<int> refused{0};
  d.race([&](Store& store, int) {
    auto result = patiently([&] { return store.start_challenge("c", "test-instance"); });
    if (result) {
      ++started;
    } else if (result.error().code == std::errc::operation_not_permitted) {
      ++refused;
    }
  });
  CHECK(started == 1);
  CHECK(refused == kInstances * kThreadsPerInstance - 1);
}

TEST_CASE("rate-limit buckets spent from several instances never give out more than the burst",
          "[storage][store][instances]") {
  Deployment d;
  // A bucket of 6 tokens, one per second, none refilled while the test runs: a spend moves the TAT
  // forward by a second unless that puts it beyond now + 6 s.
  constexpr int kTokens = 6;
  std::atomic<int> granted{0};
  d.race([&](Store& store, int) {
    for (int spend = 0; spend < 4; ++spend) {
      while (true) {
        auto found = patiently([&] { return store.find_rate_limit_buckets({"NewOrdersPerAccount:1"}); });
        must(found, "find_rate_limit_buckets");
        std::optional<TimePoint> tat;
        if (auto it = found->find("NewOrdersPerAccount:1"); it != found->end()) tat = it->second;
        TimePoint next = std::max(tat.value_or(kNow), kNow) + 1s;
        if (next > kNow + std::chrono::seconds(kTokens)) break;  // denied
        auto set = patiently([&] {
          return store.update_rate_limit_buckets({RateLimitBucketChange{"NewOrdersPerAccount:1", tat, next}});
        });
        must(set, "update_rate_limit_buckets");
        if (*set) {
          ++granted;
          break;
        }
      }
    }
  });
  CHECK(granted == kTokens);
}

TEST_CASE("portal clicks on several instances unpause each pair once", "[storage][store][instances]") {
  Deployment d;
  constexpr int kPaused = 40;
  for (int i = 0; i < kPaused; ++i)
    REQUIRE(d.instances[0]->pause_pair(d.account, {"dns", "n" + std::to_string(i) + ".example"}, kNow, 0s));
  std::atomic<std::size_t> unpaused{0};
  d.race([&](Store& store, int) {
    for (int click = 0; click < 3; ++click) {
      auto n = patiently([&] { return store.unpause_account(d.account, 7, kNow + 1s); });
      must(n, "unpause_account");
      unpaused += *n;
    }
  });
  CHECK(unpaused == kPaused);
  CHECK(d.instances[1]->list_paused(d.account, 100).value().empty());
}

TEST_CASE("an order finished on one instance is seen finished by another", "[storage][store][instances]") {
  Deployment d;
  auto challenges = d.processing_challenges(1);
  REQUIRE(d.instances[0]->finish_challenge({.challenge_id = challenges[0], .valid = true, .at = kNow}));
  CHECK(d.instances[1]->find_authz("z0").value().status == AuthzStatus::valid);
  REQUIRE(d.instances[1]->transition_order("o", OrderStatus::pending, OrderStatus::ready));
  CHECK(d.instances[0]->find_order("o").value().status == OrderStatus::ready);
  CHECK(d.instances[0]->find_challenge("c0").value().status == ChallengeStatus::valid);
}

TEST_CASE("a validation lease that runs out is taken over once; a renewed one is not",
          "[storage][store][instances]") {
  cobble::test::TestDatabase database;
  auto open = [&] {
    return std::move(Store::open(database.location(), {.challenge_lease = std::chrono::seconds(1)}).value());
  };
  auto alive = open();
  auto dead = open();
  auto rescuer = open();
  auto account = alive->create_account({0, "thumb", "{}", {}, AccountStatus::valid, kNow}).value();
  OrderRecord order{.id = "o",
                    .account_id = account,
                    .created_at = kNow,
                    .expires = kNow + 1h,
                    .identifiers = {{"dns", "a.example"}, {"dns", "b.example"}},
                    .authz_ids = {"za", "zb"}};
  auto authz = [&](const std::string& name) {
    return AuthzRecord{.id = "z" + name,
                       .account_id = account,
                       .identifier = {"dns", name + ".example"},
                       .expires = kNow + 1h,
                       .challenges = {ChallengeRecord{.id = "c" + name, .type = "http-01", .token = name}}};
  };
  REQUIRE(alive->insert_order(order, {authz("a"), authz("b")}));
  REQUIRE(alive->start_challenge("ca", "alive"));
  REQUIRE(dead->start_challenge("cb", "dead"));
  CHECK(rescuer->claim_challenges({.owner = "rescuer"})->empty());
  for (int i = 0; i < 4; ++i) {  // 1.2 s: "alive" renews its lease, "dead" does not
    std::this_thread::sleep_for(300ms);
    CHECK(alive->renew_challenge_leases("alive").value() == 1);
  }
  std::vector<cobble::storage::ClaimedChallenge> first, second;
  std::thread a(
      [&] { first = patiently([&] { return rescuer->claim_challenges({.owner = "rescuer"}); }).value(); });
  std::thread b(
      [&] { second = patiently([&] { return alive->claim_challenges({.owner = "alive"}); }).value(); });
  a.join();
  b.join();
  REQUIRE(first.size() + second.size() == 1);
  CHECK((first.empty() ? second : first)[0].challenge.id == "cb");
}

TEST_CASE("a nonce is redeemed once across instances", "[storage][store][instances]") {
  Deployment d;
  std::atomic<int> accepted{0};
  d.race([&](Store& store, int) {
    for (int n = 0; n < 20; ++n) {
      auto redeemed =
          patiently([&] { return store.redeem_nonce("nonce-" + std::to_string(n), kNow + 1h, kNow); });
      must(redeemed, "redeem_nonce");
      if (*redeemed) ++accepted;
    }
  });
  CHECK(accepted == 20);
  CHECK_FALSE(d.instances[1]->redeem_nonce("nonce-3", kNow + 1h, kNow).value());
  // Expired ones are forgotten now and then (their HMAC'd time refuses them anyway): after a
  // thousand more redemptions an hour later, "x5" (expired then) can be recorded afresh.
  for (int n = 0; n < 100; ++n)
    REQUIRE(d.instances[0]->redeem_nonce("x" + std::to_string(n), kNow, kNow).value());
  CHECK_FALSE(d.instances[0]->redeem_nonce("x5", kNow, kNow).value());
  for (int n = 0; n < 1100; ++n)
    REQUIRE(d.instances[0]->redeem_nonce("y" + std::to_string(n), kNow + 2h, kNow + 1h).value());
  CHECK(d.instances[0]->redeem_nonce("x5", kNow + 2h, kNow + 1h).value());
}

TEST_CASE("shared files are published by exactly one of racing instances", "[storage][store][instances]") {
  Deployment d;
  CHECK(d.instances[0]->find_shared_files("ca").value().empty());
  std::atomic<int> published{0};
  d.race([&](Store& store, int i) {
    std::map<std::string, std::string> files{
        {"root.pem", "root of " + std::to_string(i)},
        {"root-key.pem", std::string("\0key\xff", 5) + std::to_string(i)}};
    auto done = patiently([&] { return store.publish_shared_files("ca", files); });
    must(done, "publish_shared_files");
    if (*done) ++published;
  });
  CHECK(published == 1);
  auto files = d.instances[1]->find_shared_files("ca").value();
  REQUIRE(files.size() == 2);
  // Both files come from the same publisher: the group is all or nothing.
  CHECK(files["root.pem"].substr(8) == files["root-key.pem"].substr(5));
  CHECK(files["root-key.pem"].substr(0, 5) == std::string("\0key\xff", 5));
  CHECK(d.instances[0]->find_shared_files("https").value().empty());
}

TEST_CASE("run-time settings changed on one instance reach the others in order, once each",
          "[storage][store][instances]") {
  Deployment d;
  CHECK(d.instances[1]->list_deployment_settings(0).value().empty());
  REQUIRE(d.instances[0]->put_deployment_setting("logLevel", "\"debug\""));
  REQUIRE(d.instances[1]->put_deployment_setting("chaos", "{}"));
  REQUIRE(d.instances[0]->put_deployment_setting("logLevel", "\"warn\""));
  auto all = d.instances[1]->list_deployment_settings(0).value();
  REQUIRE(all.size() == 2);  // one row per setting: its latest value
  CHECK(all[0].name == "chaos");
  CHECK(all[1].name == "logLevel");
  CHECK(all[1].value == "\"warn\"");
  CHECK(all[1].version > all[0].version);
  CHECK(d.instances[0]->list_deployment_settings(all[1].version).value().empty());
  // Racing changes get distinct versions.
  d.race([&](Store& store, int i) {
    must(patiently([&] { return store.put_deployment_setting("s" + std::to_string(i), "1"); }),
         "put_deployment_setting");
  });
  auto raced = d.instances[0]->list_deployment_settings(all[1].version).value();
  REQUIRE(raced.size() == kInstances * kThreadsPerInstance);
  for (std::size_t i = 1; i < raced.size(); ++i) CHECK(raced[i].version == raced[i - 1].version + 1);
}

TEST_CASE("reset keeps the deployment's shared files", "[storage][store][instances]") {
  Deployment d;
  REQUIRE(d.instances[0]->publish_shared_files("ca", {{"root.pem", "root"}}).value());
  REQUIRE(d.instances[0]->redeem_nonce("n", kNow + 1h, kNow).value());
  REQUIRE(d.instances[1]->reset());
  CHECK(d.instances[0]->find_shared_files("ca").value().size() == 1);
  CHECK(d.instances[0]->redeem_nonce("n", kNow + 1h, kNow).value());
}

TEST_CASE("deployment figures count every instance's rows", "[storage][store][instances]") {
  Deployment d;
  auto challenges = d.processing_challenges(3);  // leased to "test-instance"
  REQUIRE(d.instances[1]->pause_pair(d.account, {"dns", "p.example"}, kNow, 0s));
  auto figures = d.instances[0]->deployment_figures();
  REQUIRE(figures);
  CHECK(figures->accounts == 1);
  CHECK(figures->certificates == 0);
  CHECK(figures->paused_pairs == 1);
  CHECK(figures->leased_validations == std::map<std::string, std::uint64_t>{{"test-instance", 3}});
}

TEST_CASE("an order processing for a while is found for recovery; one just started is not",
          "[storage][store][instances]") {
  Deployment d;
  d.processing_challenges(1);
  REQUIRE(d.instances[0]->transition_order("o", OrderStatus::pending, OrderStatus::processing));
  CHECK(d.instances[1]->find_processing_orders(std::chrono::seconds(0)).value() ==
        std::vector<std::string>{"o"});
  CHECK(d.instances[1]->find_processing_orders(std::chrono::seconds(60)).value().empty());
  std::this_thread::sleep_for(1100ms);
  CHECK(d.instances[1]->find_processing_orders(std::chrono::seconds(1)).value() ==
        std::vector<std::string>{"o"});
}

TEST_CASE("of orders racing to replace one certificate from several instances, one is stored",
          "[storage][store][instances]") {
  Deployment d;
  auto challenges = d.processing_challenges(1);
  REQUIRE(d.instances[0]->finish_challenge({.challenge_id = challenges[0], .valid = true, .at = kNow}));
  REQUIRE(d.instances[0]->transition_order("o", OrderStatus::pending, OrderStatus::processing));
  REQUIRE(d.instances[0]->complete_order("o", {.serial = "0a",
                                               .account_id = d.account,
                                               .chain_pem = "pem",
                                               .key_spki = "k",
                                               .not_before = kNow,
                                               .not_after = kNow + 24h}));
  std::atomic<int> stored{0};
  std::atomic<int> refused{0};
  d.race([&](Store& store, int i) {
    OrderRecord renewal{.id = "r" + std::to_string(i),
                        .account_id = d.account,
                        .created_at = kNow,
                        .expires = kNow + 1h,
                        .replaces = "cert-id",
                        .replaces_serial = "0a"};
    // Every racer saw no order replacing 0a yet.
    auto result = patiently(
        [&] { return store.insert_order(renewal, {}, {.replacing_orders = std::vector<std::string>{}}); });
    if (result) {
      ++stored;
    } else if (result.error().code == std::errc::operation_not_permitted) {
      ++refused;
    }
  });
  CHECK(stored == 1);
  CHECK(refused == kInstances * kThreadsPerInstance - 1);
  CHECK(d.instances[1]->find_orders_replacing("0a").value().size() == 1);
}

TEST_CASE(
    "an order an older cobble moved to processing (time unknown) is left to a start-up of the only instance",
    "[storage][store][instances]") {
  Deployment d;
  d.processing_challenges(1);
  REQUIRE(d.instances[0]->transition_order("o", OrderStatus::pending, OrderStatus::processing));
  std::this_thread::sleep_for(1100ms);
  // As a cobble before migration 11 would have left it: status_since never written.
  d.database.run_sql("UPDATE orders SET status_since = 0");
  CHECK(d.instances[1]->find_processing_orders(std::chrono::seconds(1)).value().empty());
  CHECK(d.instances[1]->find_processing_orders(std::chrono::seconds(0)).value() ==
        std::vector<std::string>{"o"});
}

TEST_CASE("the stored schema version is read from the database each time", "[storage][store][instances]") {
  Deployment d;
  CHECK(d.instances[0]->read_schema_version().value() == cobble::storage::latest_schema_version());
  d.database.run_sql("UPDATE schema_version SET version = 3");
  CHECK(d.instances[1]->read_schema_version().value() == 3);
  CHECK(d.instances[1]->schema_version() == cobble::storage::latest_schema_version());  // as opened
}

TEST_CASE("a PostgreSQL server that accepts but never answers fails the open in seconds, not never",
          "[storage][postgresql]") {
  // A loopback socket that listens and never speaks: the kernel completes the handshake, nobody
  // sends PostgreSQL's startup reply.
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(listener >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  REQUIRE(::listen(listener, 4) == 0);
  socklen_t length = sizeof address;
  REQUIRE(::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  auto started = std::chrono::steady_clock::now();
  auto store =
      Store::open("postgresql://nobody@127.0.0.1:" + std::to_string(ntohs(address.sin_port)) + "/db");
  auto waited = std::chrono::steady_clock::now() - started;
  ::close(listener);
  REQUIRE_FALSE(store);
  CHECK(store.error().code == std::errc::resource_unavailable_try_again);
  CHECK(waited < std::chrono::seconds(15));
}
