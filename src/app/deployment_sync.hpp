#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "api/chaos.hpp"
#include "app/periodic.hpp"
#include "authority/rate_limits.hpp"
#include "common/clock.hpp"
#include "storage/store.hpp"

namespace cobble::app {

// Several instances on one database: the run-time settings an operator changes on any instance
// (POST /chaos, /log-level, /clock, /rate-limits/override) are written to the database and applied
// by every instance within `period` (each polls for changes, one cheap indexed read). A starting
// instance takes the deployment's current settings before it serves, so the deployment has one
// fake clock, one log level, one chaos setting and one set of overrides, whichever instance was
// told. The store calls of the poll run on `work`, never on the I/O thread.
class DeploymentSync {
 public:
  struct Targets {
    api::Chaos* chaos = nullptr;
    common::FakeClock* fake_clock = nullptr;  // null: the real clock, "clock" changes are ignored
    authority::RateLimits* rate_limits = nullptr;
  };

  DeploymentSync(boost::asio::io_context& io, boost::asio::any_io_executor work, storage::Store& store,
                 Targets targets, std::chrono::milliseconds period = std::chrono::milliseconds(500));
  DeploymentSync(const DeploymentSync&) = delete;
  DeploymentSync& operator=(const DeploymentSync&) = delete;

  // Applies every change since the last call (the first call: every setting). Thread-safe.
  void apply_changes();
  // ManagementServices::share_setting: a change made on this instance, for the others.
  void share(const std::string& name, const std::string& value);

 private:
  void apply(const storage::DeploymentSetting& setting);

  storage::Store& store_;
  Targets targets_;
  std::mutex mu_;          // one apply_changes at a time
  std::int64_t seen_ = 0;  // the newest version applied (mu_)
  std::map<std::string, std::int64_t>
      written_;        // the version each setting had when this instance wrote it (mu_)
  Periodic periodic_;  // last: stopped first
};

}  // namespace cobble::app
