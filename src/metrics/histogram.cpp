#include "metrics/histogram.hpp"

#include <algorithm>
#include <stdexcept>

namespace cobble::metrics {

Histogram::Histogram(std::span<const double> upper_bounds)
    : upper_bounds_(upper_bounds.begin(), upper_bounds.end()),
      buckets_(std::make_unique<std::atomic<std::uint64_t>[]>(upper_bounds.size() + 1)) {
  if (upper_bounds_.empty() || !std::is_sorted(upper_bounds_.begin(), upper_bounds_.end()) ||
      std::adjacent_find(upper_bounds_.begin(), upper_bounds_.end()) != upper_bounds_.end()) {
    throw std::invalid_argument("histogram bounds must be strictly increasing and not empty");
  }
}

void Histogram::observe(std::chrono::nanoseconds duration) {
  auto nanos = std::max<std::int64_t>(0, duration.count());
  double seconds = static_cast<double>(nanos) / 1e9;
  auto bucket = std::lower_bound(upper_bounds_.begin(), upper_bounds_.end(), seconds) - upper_bounds_.begin();
  buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
  sum_nanoseconds_.fetch_add(static_cast<std::uint64_t>(nanos), std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_release);
}

HistogramSnapshot Histogram::snapshot() const {
  HistogramSnapshot out;
  out.upper_bounds = upper_bounds_;
  out.cumulative.reserve(upper_bounds_.size());
  std::uint64_t running = 0;
  for (std::size_t i = 0; i < upper_bounds_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    out.cumulative.push_back(running);
  }
  running += buckets_[upper_bounds_.size()].load(std::memory_order_relaxed);
  out.sum_seconds = static_cast<double>(sum_nanoseconds_.load(std::memory_order_relaxed)) / 1e9;
  // Observations that landed in a bucket after it was read would make count smaller than the
  // buckets' total; Prometheus wants count (the +Inf bucket) to be at least every other bucket.
  out.count = std::max(running, count_.load(std::memory_order_acquire));
  return out;
}

}  // namespace cobble::metrics
