#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "common/result.hpp"
#include "storage/store.hpp"

// cobble-populate: fills a Cobble database with many valid rows through storage::Store, so scale
// benchmarks (bench/scale.sh) can measure a server whose tables are large. The rows are never
// used to sign anything: account keys are placeholders with distinct thumbprints.
namespace cobble::populate {

struct Plan {
  std::int64_t accounts = 0;
  std::int64_t attempts = 0;            // validation attempts, spread evenly over the accounts
  std::int64_t orders_per_account = 1;  // for every `order_every`-th account
  std::int64_t order_every = 10;
  std::int64_t batch = 20000;  // rows per transaction
};

struct Progress {
  std::string phase;  // "accounts", "orders", "attempts"
  std::int64_t done = 0;
  std::int64_t total = 0;
  double elapsed_s = 0;
};

struct Totals {
  std::int64_t accounts = 0;
  std::int64_t orders = 0;  // each with one authorization and three challenges
  std::int64_t attempts = 0;
  double elapsed_s = 0;
  double accounts_s = 0, orders_s = 0, attempts_s = 0;  // time per phase
};

// Writes the plan's rows in batches of `plan.batch` (one Store::insert_bulk each), calling
// `report` after every batch. Times are spread over the 30 days before `now`; a run tag derived
// from `now` keeps thumbprints and ids distinct from an earlier run on the same database.
common::Result<Totals> populate(storage::Store& store, const Plan& plan, common::TimePoint now,
                                const std::function<void(const Progress&)>& report);

}  // namespace cobble::populate
