#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace cobble::metrics {

// A histogram's figures at one moment, as Prometheus writes them: `cumulative[i]` observations were
// at most `upper_bounds[i]` seconds; the +Inf bucket is `count`.
struct HistogramSnapshot {
  std::vector<double> upper_bounds;
  std::vector<std::uint64_t> cumulative;
  std::uint64_t count = 0;
  double sum_seconds = 0;
};

// Durations in fixed buckets. observe() is lock-free (relaxed atomics): recorders on many threads
// never wait for each other or for a scrape. A snapshot taken while observations land may be off by
// the ones in flight, which Prometheus tolerates; count is read last, so it is never below a bucket.
class Histogram {
 public:
  // `upper_bounds` in seconds, strictly increasing, not empty.
  explicit Histogram(std::span<const double> upper_bounds);

  void observe(std::chrono::nanoseconds duration);
  HistogramSnapshot snapshot() const;

 private:
  std::vector<double> upper_bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // per bucket, not cumulative; last = +Inf
  std::atomic<std::uint64_t> sum_nanoseconds_{0};
  std::atomic<std::uint64_t> count_{0};
};

// Bucket sets for what Cobble times.
namespace buckets {
// HTTP requests served: 100 µs .. 10 s.
inline constexpr double kRequest[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                      0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
// Validations: a local always-valid one takes µs, a remote one seconds, the deadline is ~13 s.
inline constexpr double kValidation[] = {0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30};
// Database transactions: 50 µs .. 5 s (a busy SQLite writer or a far PostgreSQL).
inline constexpr double kTransaction[] = {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                          0.01,    0.025,  0.05,    0.1,    0.25,  1,      5};
}  // namespace buckets

}  // namespace cobble::metrics
