// The dashboard's series recorder: writes how much each count grew, keeps what it could not write,
// samples gauges, prunes old buckets.
#include <catch2/catch.hpp>

#include "app/series_recorder.hpp"
#include "authority/activity.hpp"
#include "support/forwarding_store.hpp"
#include "support/test_database.hpp"

using namespace std::chrono_literals;
using cobble::app::SeriesRecorder;
using cobble::storage::SeriesPoint;
using cobble::storage::SeriesResolution;

namespace {

// Fails the series writes while `failing`, and counts the calls that reach the database.
class FlakyStore final : public cobble::test::ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;
  cobble::storage::Result<void> add_series_counts(const std::map<std::string, std::int64_t>& deltas,
                                                  cobble::storage::TimePoint at) override {
    ++adds;
    if (failing) return cobble::common::fail(std::errc::io_error, "disk I/O error");
    return ForwardingStore::add_series_counts(deltas, at);
  }
  cobble::storage::Result<void> set_series_gauges(const std::map<std::string, std::int64_t>& values,
                                                  cobble::storage::TimePoint at) override {
    ++gauge_writes;
    if (failing) return cobble::common::fail(std::errc::io_error, "disk I/O error");
    return ForwardingStore::set_series_gauges(values, at);
  }
  bool failing = false;
  int adds = 0;
  int gauge_writes = 0;
};

struct RecorderFixture {
  cobble::test::TestDatabase database;
  FlakyStore store{std::move(cobble::storage::Store::open(database.location()).value())};
  cobble::common::FakeClock clock;
  std::map<std::string, std::uint64_t> counts;
  std::int64_t paused_now = 0;
  SeriesRecorder recorder{store, clock, [this] { return counts; },
                          [this]() -> cobble::common::Result<std::map<std::string, std::int64_t>> {
                            return std::map<std::string, std::int64_t>{{"paused_pairs", paused_now}};
                          }};

  std::int64_t total(const std::string& name) {
    auto totals = store.read_event_totals().value();
    return totals.contains(name) ? totals[name] : 0;
  }
  std::vector<SeriesPoint> minutes(const std::string& name) {
    return store.read_series(name, SeriesResolution::minute, clock.now() - 2h).value();
  }
  cobble::common::TimePoint minute() {
    return cobble::storage::bucket_start(clock.now(), SeriesResolution::minute);
  }
};

}  // namespace

TEST_CASE("the recorder writes how much each count grew since its last flush", "[app][series]") {
  RecorderFixture f;
  f.counts = {{"paused", 2}, {"unpaused", 0}};
  f.recorder.flush();
  CHECK(f.total("paused") == 2);
  CHECK(f.total("unpaused") == 0);  // nothing happened: no row
  auto first = f.minute();
  f.clock.advance(1min);
  f.counts = {{"paused", 5}, {"unpaused", 1}};
  f.recorder.flush();
  CHECK(f.total("paused") == 5);
  CHECK(f.minutes("paused") == std::vector<SeriesPoint>{{first, 2}, {f.minute(), 3}});
  CHECK(f.minutes("unpaused") == std::vector<SeriesPoint>{{f.minute(), 1}});
  SECTION("a flush with nothing new writes nothing") {
    int adds = f.store.adds;
    f.recorder.flush();
    CHECK(f.store.adds == adds);
    CHECK(f.total("paused") == 5);
  }
}

TEST_CASE("a flush that cannot write keeps its counts for the next one", "[app][series]") {
  RecorderFixture f;
  f.counts = {{"paused", 1}};
  f.recorder.flush();
  f.store.failing = true;
  f.counts = {{"paused", 4}, {"rate_limit_denied", 2}};
  f.recorder.flush();  // must not throw
  f.counts = {{"paused", 7}, {"rate_limit_denied", 2}};
  f.recorder.flush();
  CHECK(f.total("paused") == 1);
  f.store.failing = false;
  f.clock.advance(30s);
  f.recorder.flush();
  CHECK(f.total("paused") == 7);
  CHECK(f.total("rate_limit_denied") == 2);
  CHECK(f.minutes("rate_limit_denied") == std::vector<SeriesPoint>{{f.minute(), 2}});
}

TEST_CASE("the recorder samples the gauges into the current minute", "[app][series]") {
  RecorderFixture f;
  f.paused_now = 3;
  f.recorder.flush();
  f.paused_now = 2;
  f.recorder.flush();
  CHECK(f.minutes("paused_pairs") == std::vector<SeriesPoint>{{f.minute(), 2}});
  CHECK(f.total("paused_pairs") == 0);  // a gauge has no total
  SECTION("an unchanged value is written once a minute") {
    int writes = f.store.gauge_writes;
    f.recorder.flush();
    CHECK(f.store.gauge_writes == writes);
    f.clock.advance(1min);
    f.recorder.flush();
    CHECK(f.store.gauge_writes == writes + 1);
    auto first = f.minutes("paused_pairs").front().bucket_start;
    CHECK(f.minutes("paused_pairs") == std::vector<SeriesPoint>{{first, 2}, {f.minute(), 2}});
  }
}

TEST_CASE("the recorder prunes buckets past their window on its first flush and every so often",
          "[app][series]") {
  RecorderFixture f;
  const auto now = f.clock.now();
  REQUIRE(f.store.add_series_counts({{"paused", 1}}, now - 25h));
  REQUIRE(f.store.add_series_counts({{"paused", 1}}, now - 31 * 24h));
  f.recorder.flush();
  auto since = now - 40 * 24h;
  CHECK(f.store.read_series("paused", SeriesResolution::minute, since).value().empty());
  CHECK(f.store.read_series("paused", SeriesResolution::hour, since).value().size() == 1);  // 25 h old
  REQUIRE(f.store.add_series_counts({{"paused", 1}}, now - 26h));
  for (std::size_t i = 1; i < SeriesRecorder::kPruneEvery; ++i) f.recorder.flush();
  CHECK(f.store.read_series("paused", SeriesResolution::minute, since).value().size() == 1);
  f.recorder.flush();  // the kPruneEvery-th after the first
  CHECK(f.store.read_series("paused", SeriesResolution::minute, since).value().empty());
}

TEST_CASE("the server's recorder counts pauses and each limit's denials", "[app][series]") {
  cobble::test::TestDatabase database;
  auto store = std::move(cobble::storage::Store::open(database.location()).value());
  cobble::common::FakeClock clock;
  auto counts = cobble::authority::activity_counters(nullptr, nullptr);
  CHECK(counts.empty());
  auto recorder = cobble::app::dashboard_recorder(*store, clock, nullptr, nullptr);
  REQUIRE(store->pause_pair(store->create_account({0, "t", "{}", {}, {}, clock.now()}).value(),
                            {"dns", "a.example"}, clock.now(), 0s));
  recorder->flush();
  auto gauge = store->read_series("paused_pairs", SeriesResolution::minute, clock.now()).value();
  REQUIRE(gauge.size() == 1);
  CHECK(gauge[0].value == 1);
}

TEST_CASE("what the database's totals do not hold yet is the growth since the last written flush",
          "[app][series][metrics]") {
  RecorderFixture f;
  f.counts = {{"paused", 2}};
  CHECK(f.recorder.unwritten() == std::map<std::string, std::uint64_t>{{"paused", 2}});
  f.recorder.flush();
  CHECK(f.recorder.unwritten() == std::map<std::string, std::uint64_t>{{"paused", 0}});
  f.counts = {{"paused", 5}};
  f.store.failing = true;
  f.recorder.flush();  // not written: still to add to the totals
  CHECK(f.total("paused") == 2);
  CHECK(f.recorder.unwritten() == std::map<std::string, std::uint64_t>{{"paused", 3}});
}
