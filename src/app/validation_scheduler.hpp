#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>

#include "authority/challenges.hpp"
#include "authority/validation_port.hpp"
#include "common/clock.hpp"
#include "validation/validator.hpp"

namespace cobble::app {

struct SchedulerOptions {
  bool always_valid = false;               // every challenge passes, nothing is contacted
  std::chrono::milliseconds max_delay{0};  // random wait before each validation (PEBBLE_VA_SLEEPTIME)
  std::size_t max_in_flight = 4096;        // validations running at once; the rest wait in order
};

// The validation queue: runs validations as coroutines on the io_context (pure async I/O), at
// most `max_in_flight` at once, and records each outcome on `record_executor` (the handler pool,
// since recording writes SQLite). schedule() returns at once from any thread.
class AsioValidationScheduler final : public authority::ValidationScheduler {
 public:
  // `validator` may be null when options.always_valid. All references must outlive the scheduler
  // and every validation it started (the io_context is stopped before they go away).
  AsioValidationScheduler(boost::asio::io_context& io, boost::asio::any_io_executor record_executor,
                          validation::Validator* validator, const common::Clock& clock,
                          SchedulerOptions options);
  void attach(const authority::Challenges& challenges) { challenges_ = &challenges; }
  void schedule(authority::ValidationTask task) override;

 private:
  void start_waiting();  // on strand_
  boost::asio::awaitable<void> run(authority::ValidationTask task);

  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  boost::asio::any_io_executor record_executor_;
  validation::Validator* validator_;
  const common::Clock& clock_;
  SchedulerOptions options_;
  const authority::Challenges* challenges_ = nullptr;
  std::deque<authority::ValidationTask> waiting_;  // on strand_
  std::size_t in_flight_ = 0;                      // on strand_
};

}  // namespace cobble::app
