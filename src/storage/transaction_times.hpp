#pragma once

#include <chrono>
#include <string_view>

#include "metrics/family.hpp"

namespace cobble::storage {

// How long the database's explicit transactions took, BEGIN to COMMIT or ROLLBACK, by outcome: what
// /metrics shows as cobble_database_transaction_duration_seconds. One per Store, shared by its
// connections. Thread-safe.
class TransactionTimes {
 public:
  explicit TransactionTimes(std::string_view database)
      : committed_(family_.at({database, "commit"})), rolled_back_(family_.at({database, "rollback"})) {}

  void committed(std::chrono::steady_clock::duration took) { committed_.observe(took); }
  void rolled_back(std::chrono::steady_clock::duration took) { rolled_back_.observe(took); }
  const metrics::HistogramFamily& figures() const { return family_; }

 private:
  metrics::HistogramFamily family_{{"database", "outcome"}, metrics::buckets::kTransaction};
  metrics::Histogram& committed_;
  metrics::Histogram& rolled_back_;
};

}  // namespace cobble::storage
