#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace cobble::bench {

// Latencies in milliseconds, kept whole (a run holds at most a few million): exact percentiles.
class Samples {
 public:
  void add(double ms) {
    values_.push_back(ms);
    sorted_ = false;
  }
  std::size_t count() const { return values_.size(); }
  void merge(const Samples& other) {
    values_.insert(values_.end(), other.values_.begin(), other.values_.end());
    sorted_ = false;
  }
  // Nearest-rank percentile (p in 0..100) of the values: the smallest value with at least p % of
  // the values at or below it. 0 when empty.
  double percentile(double p) const;
  double max() const;
  double mean() const;
  // {"count","p50","p90","p99","max","mean"}, milliseconds rounded to 3 decimals.
  nlohmann::json summary() const;

 private:
  mutable std::vector<double> values_;
  mutable bool sorted_ = true;
  void sort() const;
};

// The request kinds of a flow, as the JSON names them.
inline constexpr const char* kRequestKinds[] = {"newNonce", "newAccount", "newOrder", "authz", "challenge",
                                                "poll",     "finalize",   "order",    "cert"};

// Everything one run measured. Not locked: each event-loop thread keeps its own, and the run adds
// them up with merge() once the threads have ended.
struct Figures {
  std::map<std::string, Samples> requests;  // by kind
  Samples flows;                            // whole-flow latency, flows started after the warmup
  std::int64_t flows_in_window = 0;         // flows completed inside the measured window
  std::int64_t flows_total = 0;
  std::map<std::string, std::int64_t>
      errors;  // problem type ("badNonce", ...), "http-<status>", "transport-<what>"
  std::int64_t bad_nonce_retries = 0;
  std::int64_t reconnects = 0;
  std::int64_t failed_validations = 0;  // authorizations that ended invalid (mode fail: every flow)
  std::int64_t rate_limited = 0;        // newOrders refused with 429 (mode limited)
  Samples gate_wait;                    // --pebble-safe: time gated requests waited for their turn

  void merge(const Figures& other);
};

}  // namespace cobble::bench
