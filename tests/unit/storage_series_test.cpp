// The operator dashboard's storage (issue #17): time series per minute and hour, event totals, and
// the reads of validation attempts and pause buckets. [store]: run against SQLite and PostgreSQL.
#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "storage/store.hpp"
#include "support/test_database.hpp"

using namespace std::chrono_literals;
using cobble::common::AccountStatus;
using cobble::common::ChallengeStatus;
using cobble::common::TimePoint;
using cobble::storage::AccountFailures;
using cobble::storage::SeriesPoint;
using cobble::storage::SeriesResolution;
using cobble::storage::Store;
using cobble::storage::ValidationAttemptRecord;

namespace {

// 2025-06-15 15:00:00 UTC: the start of an hour.
const TimePoint kHour = TimePoint(std::chrono::seconds(1'750'000'000 - 1'750'000'000 % 3600));

struct SeriesFixture {
  cobble::test::TestDatabase database;
  std::unique_ptr<Store> store = std::move(Store::open(database.location()).value());

  std::int64_t account(const std::string& thumbprint) {
    return store->create_account({0, thumbprint, "{}", {}, AccountStatus::valid, kHour}).value();
  }
  std::vector<SeriesPoint> read(const std::string& series, SeriesResolution resolution,
                                TimePoint since = kHour - 48h) {
    return store->read_series(series, resolution, since).value();
  }
  void attempt(std::int64_t account_id, const std::string& name, ChallengeStatus result, TimePoint at) {
    ValidationAttemptRecord row{.account_id = account_id,
                                .identifier = {"dns", name},
                                .method = "http-01",
                                .started_at = at - 1s,
                                .finished_at = at,
                                .result = result};
    REQUIRE(store->insert_bulk({.attempts = {row}}));
  }
  void bucket(std::int64_t account_id, const std::string& name, TimePoint tat) {
    database.run_sql(
        "INSERT INTO pause_buckets (account_id, identifier_type, identifier_value, tat) VALUES (" +
        std::to_string(account_id) + ", 'dns', '" + name + "', " +
        std::to_string(
            std::chrono::duration_cast<std::chrono::microseconds>(tat.time_since_epoch()).count()) +
        ")");
  }
};

}  // namespace

namespace Catch {
template <>
struct StringMaker<SeriesPoint> {
  static std::string convert(const SeriesPoint& p) {
    return "{" +
           std::to_string(
               std::chrono::duration_cast<std::chrono::seconds>(p.bucket_start.time_since_epoch()).count()) +
           "s: " + std::to_string(p.value) + "}";
  }
};
}  // namespace Catch

TEST_CASE("bucket_start rounds down to the minute or hour", "[storage][series]") {
  CHECK(cobble::storage::bucket_start(kHour + 61s + 5ms, SeriesResolution::minute) == kHour + 60s);
  CHECK(cobble::storage::bucket_start(kHour + 59min + 59s, SeriesResolution::hour) == kHour);
  CHECK(cobble::storage::bucket_start(kHour, SeriesResolution::hour) == kHour);
}

TEST_CASE("counts add up in their minute and hour buckets and in the totals", "[storage][store][series]") {
  SeriesFixture f;
  REQUIRE(f.store->add_series_counts({{"paused", 2}, {"unpaused", 1}}, kHour + 5s));
  REQUIRE(f.store->add_series_counts({{"paused", 3}}, kHour + 59s));
  REQUIRE(f.store->add_series_counts({{"paused", 4}}, kHour + 61s));
  REQUIRE(f.store->add_series_counts({{"paused", 1}}, kHour + 1h));
  CHECK(f.read("paused", SeriesResolution::minute) ==
        std::vector<SeriesPoint>{{kHour, 5}, {kHour + 1min, 4}, {kHour + 1h, 1}});
  CHECK(f.read("paused", SeriesResolution::hour) == std::vector<SeriesPoint>{{kHour, 9}, {kHour + 1h, 1}});
  CHECK(f.read("unpaused", SeriesResolution::minute) == std::vector<SeriesPoint>{{kHour, 1}});
  CHECK(f.read("nothing", SeriesResolution::minute).empty());
  CHECK(f.store->read_event_totals().value() ==
        std::map<std::string, std::int64_t>{{"paused", 10}, {"unpaused", 1}});
  SECTION("a read starts at the bucket holding `since`") {
    CHECK(f.read("paused", SeriesResolution::minute, kHour + 90s) ==
          std::vector<SeriesPoint>{{kHour + 1min, 4}, {kHour + 1h, 1}});
    CHECK(f.read("paused", SeriesResolution::hour, kHour + 30min) ==
          std::vector<SeriesPoint>{{kHour, 9}, {kHour + 1h, 1}});
  }
}

TEST_CASE("a gauge's bucket holds its latest sample", "[storage][store][series]") {
  SeriesFixture f;
  REQUIRE(f.store->set_series_gauges({{"paused_pairs", 7}}, kHour + 10s));
  REQUIRE(f.store->set_series_gauges({{"paused_pairs", 3}}, kHour + 20s));
  REQUIRE(f.store->set_series_gauges({{"paused_pairs", 4}}, kHour + 70s));
  CHECK(f.read("paused_pairs", SeriesResolution::minute) ==
        std::vector<SeriesPoint>{{kHour, 3}, {kHour + 1min, 4}});
  CHECK(f.read("paused_pairs", SeriesResolution::hour) == std::vector<SeriesPoint>{{kHour, 4}});
  CHECK(f.store->read_event_totals().value().empty());  // gauges have no totals
}

TEST_CASE("pruning drops minute and hour buckets older than their own cut-offs", "[storage][store][series]") {
  SeriesFixture f;
  for (auto at : {kHour - 25h, kHour - 23h, kHour}) REQUIRE(f.store->add_series_counts({{"paused", 1}}, at));
  REQUIRE(f.store->add_series_counts({{"paused", 1}}, kHour - 31 * 24h));
  // Minutes: the 25 h old and 31 days old go; hours: only the 31 days old one.
  CHECK(f.store->prune_series(kHour - 24h, kHour - 30 * 24h).value() == 3);
  CHECK(f.read("paused", SeriesResolution::minute, kHour - 40 * 24h) ==
        std::vector<SeriesPoint>{{kHour - 23h, 1}, {kHour, 1}});
  CHECK(f.read("paused", SeriesResolution::hour, kHour - 40 * 24h).size() == 3);
  CHECK(f.store->read_event_totals().value().at("paused") == 4);  // totals are never pruned
  CHECK(f.store->prune_series(kHour - 24h, kHour - 30 * 24h).value() == 0);
}

TEST_CASE("validations are counted per bucket by result", "[storage][store][series]") {
  SeriesFixture f;
  auto a = f.account("a");
  f.attempt(a, "x.example", ChallengeStatus::valid, kHour + 1s);
  f.attempt(a, "x.example", ChallengeStatus::invalid, kHour + 59s);
  f.attempt(a, "y.example", ChallengeStatus::invalid, kHour + 59s);
  f.attempt(a, "y.example", ChallengeStatus::valid, kHour + 3min);
  f.attempt(a, "old.example", ChallengeStatus::invalid, kHour - 2h);
  auto minutes = f.store->count_validations(SeriesResolution::minute, kHour - 30s).value();
  REQUIRE(minutes.size() == 2);
  CHECK(minutes[0].bucket_start == kHour);
  CHECK(minutes[0].valid == 1);
  CHECK(minutes[0].invalid == 2);
  CHECK(minutes[1].bucket_start == kHour + 3min);
  CHECK(minutes[1].valid == 1);
  CHECK(minutes[1].invalid == 0);
  auto hours = f.store->count_validations(SeriesResolution::hour, kHour - 3h).value();
  REQUIRE(hours.size() == 2);
  CHECK(hours[0].bucket_start == kHour - 2h);
  CHECK(hours[0].invalid == 1);
  CHECK(hours[1].valid == 2);
  CHECK(hours[1].invalid == 2);
}

TEST_CASE("top failing accounts: most failed validations in the window first", "[storage][store][series]") {
  SeriesFixture f;
  auto a = f.account("a");
  auto b = f.account("b");
  auto c = f.account("c");
  for (int i = 0; i < 3; ++i)
    f.attempt(b, "b.example", ChallengeStatus::invalid, kHour + std::chrono::seconds(i));
  f.attempt(a, "a.example", ChallengeStatus::invalid, kHour + 1min);
  for (int i = 0; i < 5; ++i) f.attempt(a, "a.example", ChallengeStatus::valid, kHour);
  f.attempt(c, "c.example", ChallengeStatus::invalid, kHour + 2min);
  for (int i = 0; i < 9; ++i) f.attempt(c, "c.example", ChallengeStatus::invalid, kHour - 2h);  // too old
  auto top = f.store->top_failing_accounts(kHour - 1h, 2).value();
  REQUIRE(top.size() == 2);
  CHECK(top[0].account_id == b);
  CHECK(top[0].failures == 3);
  CHECK(top[0].last_failure == kHour + 2s);
  CHECK(top[1].account_id == a);  // ties: the lower id
  CHECK(top[1].failures == 1);
  CHECK(f.store->top_failing_accounts(kHour - 3h, 1).value()[0].account_id == c);
  CHECK(f.store->top_failing_accounts(kHour + 1h, 10).value().empty());
}

TEST_CASE("pairs closest to pausing: latest TAT first, without paused pairs or full buckets",
          "[storage][store][series]") {
  SeriesFixture f;
  auto a = f.account("a");
  auto b = f.account("b");
  f.bucket(a, "far.example", kHour + 1h);
  f.bucket(a, "near.example", kHour + 20h);
  f.bucket(b, "paused.example", kHour + 30h);
  f.bucket(b, "refilled.example", kHour - 1s);
  CHECK(f.store->count_paused_pairs().value() == 0);
  REQUIRE(f.store->pause_pair(b, {"dns", "paused.example"}, kHour, 0s));
  CHECK(f.store->count_paused_pairs().value() == 1);
  auto pairs = f.store->pairs_closest_to_pausing(kHour, 10).value();
  REQUIRE(pairs.size() == 2);
  CHECK(pairs[0].account_id == a);
  CHECK(pairs[0].identifier.value == "near.example");
  CHECK(pairs[0].tat == kHour + 20h);
  CHECK(pairs[1].identifier.value == "far.example");
  CHECK(f.store->pairs_closest_to_pausing(kHour, 1).value().size() == 1);
  REQUIRE(f.store->unpause_account(b, 10, kHour));
  CHECK(f.store->count_paused_pairs().value() == 0);
  CHECK(f.store->pairs_closest_to_pausing(kHour, 10).value()[0].identifier.value == "paused.example");
}

TEST_CASE("counts added by several instances at once all add up", "[storage][store][series][instances]") {
  cobble::test::TestDatabase database;
  std::vector<std::unique_ptr<Store>> instances;
  for (int i = 0; i < 2; ++i) instances.push_back(std::move(Store::open(database.location()).value()));
  constexpr int kThreads = 6;
  constexpr int kAdds = 25;
  std::atomic<bool> go{false};
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      while (!go.load()) std::this_thread::yield();
      Store& store = *instances[t % 2];
      for (int i = 0; i < kAdds; ++i) {
        // Both series in each transaction, so the flushes also race for the same rows in one order.
        for (int attempt = 0;; ++attempt) {
          auto added =
              store.add_series_counts({{"paused", 1}, {"unpaused", 2}}, kHour + std::chrono::seconds(i));
          if (added) break;
          // SQLite refuses a second writer on the file while another holds it; PostgreSQL waits.
          if (added.error().code != std::errc::resource_unavailable_try_again || attempt == 100) {
            ++failed;
            break;
          }
          std::this_thread::sleep_for(5ms);
        }
      }
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  REQUIRE(failed == 0);
  auto& reader = *instances[0];
  CHECK(reader.read_series("paused", SeriesResolution::minute, kHour).value() ==
        std::vector<SeriesPoint>{{kHour, kThreads * kAdds}});
  CHECK(reader.read_series("unpaused", SeriesResolution::hour, kHour).value() ==
        std::vector<SeriesPoint>{{kHour, 2 * kThreads * kAdds}});
  CHECK(
      reader.read_event_totals().value() ==
      std::map<std::string, std::int64_t>{{"paused", kThreads * kAdds}, {"unpaused", 2 * kThreads * kAdds}});
}

TEST_CASE("reset forgets the series and totals", "[storage][store][series]") {
  SeriesFixture f;
  REQUIRE(f.store->add_series_counts({{"paused", 1}}, kHour));
  REQUIRE(f.store->reset());
  CHECK(f.read("paused", SeriesResolution::minute).empty());
  CHECK(f.store->read_event_totals().value().empty());
}
