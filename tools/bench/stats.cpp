#include "bench/stats.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace cobble::bench {

namespace {
double round3(double v) { return std::round(v * 1000.0) / 1000.0; }
}  // namespace

void Samples::sort() const {
  if (sorted_) return;
  std::sort(values_.begin(), values_.end());
  sorted_ = true;
}

double Samples::percentile(double p) const {
  if (values_.empty()) return 0;
  sort();
  p = std::clamp(p, 0.0, 100.0);
  auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(values_.size())));
  return values_[rank == 0 ? 0 : rank - 1];
}

double Samples::max() const {
  if (values_.empty()) return 0;
  return *std::max_element(values_.begin(), values_.end());
}

double Samples::mean() const {
  if (values_.empty()) return 0;
  return std::accumulate(values_.begin(), values_.end(), 0.0) / static_cast<double>(values_.size());
}

nlohmann::json Samples::summary() const {
  return {{"count", count()},
          {"p50", round3(percentile(50))},
          {"p90", round3(percentile(90))},
          {"p99", round3(percentile(99))},
          {"max", round3(max())},
          {"mean", round3(mean())}};
}

void Figures::merge(const Figures& other) {
  for (const auto& [kind, samples] : other.requests) requests[kind].merge(samples);
  flows.merge(other.flows);
  flows_in_window += other.flows_in_window;
  flows_total += other.flows_total;
  for (const auto& [key, count] : other.errors) errors[key] += count;
  bad_nonce_retries += other.bad_nonce_retries;
  reconnects += other.reconnects;
  failed_validations += other.failed_validations;
  rate_limited += other.rate_limited;
  gate_wait.merge(other.gate_wait);
}

}  // namespace cobble::bench
