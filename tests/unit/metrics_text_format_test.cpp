#include <catch2/catch.hpp>
#include <chrono>
#include <thread>
#include <vector>

#include "metrics/family.hpp"
#include "metrics/histogram.hpp"
#include "metrics/text_format.hpp"

// The metrics folder: histograms put each observation in the right bucket, families cap their
// children, and the writer's output is what Prometheus' text format 0.0.4 says (promtool checks a
// live server's whole output in e2e.metrics_test).

using namespace cobble::metrics;
using namespace std::chrono_literals;

TEST_CASE("a histogram counts each duration in the first bucket that holds it, cumulatively", "[metrics]") {
  const double bounds[] = {0.001, 0.01, 0.1};
  Histogram h(bounds);
  h.observe(500us);  // ≤ 1 ms
  h.observe(1ms);    // exactly on a bound counts in that bucket
  h.observe(20ms);   // ≤ 100 ms
  h.observe(2s);     // only +Inf
  h.observe(-5ms);   // a clock step backwards counts as 0
  auto s = h.snapshot();
  CHECK(s.cumulative == std::vector<std::uint64_t>{3, 3, 4});
  CHECK(s.count == 5);
  CHECK(s.sum_seconds == Approx(2.0215));
}

TEST_CASE("a histogram refuses bounds that are not strictly increasing", "[metrics]") {
  const double unsorted[] = {0.1, 0.01};
  const double repeated[] = {0.1, 0.1};
  CHECK_THROWS_AS(Histogram(unsorted), std::invalid_argument);
  CHECK_THROWS_AS(Histogram(repeated), std::invalid_argument);
  CHECK_THROWS_AS(Histogram(std::span<const double>()), std::invalid_argument);
}

TEST_CASE("observations from many threads are all counted", "[metrics]") {
  HistogramFamily family({"worker"}, buckets::kRequest);
  CounterFamily counters({"worker"});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10'000; ++i) {
        family.at({t % 2 ? "odd" : "even"}).observe(1ms);
        counters.at({"all"}).add();
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(family.at({"odd"}).snapshot().count == 20'000);
  CHECK(family.at({"even"}).snapshot().count == 20'000);
  CHECK(counters.at({"all"}).value() == 40'000);
}

TEST_CASE("a family stops growing at its cap and counts the rest under _overflow", "[metrics]") {
  CounterFamily family({"peer"}, 3);
  for (auto peer : {"a", "b", "c", "d", "e"}) family.at({peer}).add();
  family.at({"a"}).add();
  std::vector<std::pair<std::string, std::uint64_t>> seen;
  family.for_each([&](const std::vector<std::string>& values, const Counter& c) {
    seen.emplace_back(values[0], c.value());
  });
  CHECK(seen ==
        std::vector<std::pair<std::string, std::uint64_t>>{{"a", 2}, {"b", 1}, {"c", 1}, {"_overflow", 2}});
}

TEST_CASE("the writer escapes label values and help texts as the text format says", "[metrics]") {
  TextWriter out;
  out.family("cobble_things_total", Type::counter, "Things\nwith a back\\slash.");
  Label labels[] = {{"peer", "a\"b\\c\nd"}};
  out.sample("cobble_things_total", labels, std::uint64_t{7});
  CHECK(out.take() ==
        "# HELP cobble_things_total Things\\nwith a back\\\\slash.\n"
        "# TYPE cobble_things_total counter\n"
        "cobble_things_total{peer=\"a\\\"b\\\\c\\nd\"} 7\n");
}

TEST_CASE("a histogram is written as buckets with le, +Inf, _sum and _count", "[metrics]") {
  HistogramFamily family({"endpoint"}, std::vector<double>{0.5, 1});
  family.at({"/dir"}).observe(250ms);
  family.at({"/dir"}).observe(3s);
  TextWriter out;
  out.histograms("cobble_request_seconds", "How long.", family);
  CHECK(out.take() ==
        "# HELP cobble_request_seconds How long.\n"
        "# TYPE cobble_request_seconds histogram\n"
        "cobble_request_seconds_bucket{endpoint=\"/dir\",le=\"0.5\"} 1\n"
        "cobble_request_seconds_bucket{endpoint=\"/dir\",le=\"1\"} 1\n"
        "cobble_request_seconds_bucket{endpoint=\"/dir\",le=\"+Inf\"} 2\n"
        "cobble_request_seconds_sum{endpoint=\"/dir\"} 3.25\n"
        "cobble_request_seconds_count{endpoint=\"/dir\"} 2\n");
}
