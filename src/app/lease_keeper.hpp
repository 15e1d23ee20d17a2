#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "app/periodic.hpp"
#include "authority/challenges.hpp"
#include "authority/orders.hpp"
#include "storage/store.hpp"

namespace cobble::app {

// With several instances on one database: every `period` (a third of the lease, so two renewals
// can fail before a lease runs out), renews the validation leases this instance holds and claims
// those another instance left to run out (it died), resuming their validations here; and fails
// orders another instance left processing (finalize takes well under a second; 2 min is plenty). The store
// calls run on `work`, never on the I/O thread. Stops when destroyed.
class LeaseKeeper {
 public:
  LeaseKeeper(boost::asio::io_context& io, boost::asio::any_io_executor work, storage::Store& store,
              const authority::Challenges& challenges, const authority::Orders& orders,
              std::string instance_id, std::chrono::seconds lease);

 private:
  void tick();

  storage::Store& store_;
  const authority::Challenges& challenges_;
  const authority::Orders& orders_;
  const std::string instance_id_;
  Periodic periodic_;  // last: stopped first
};

// A name for this process among the deployment's instances: host, process id and a random part
// (a restarted process is a new instance; its old leases run out and are claimed like any other).
std::string new_instance_id();

}  // namespace cobble::app
