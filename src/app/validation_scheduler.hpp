#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>

#include "authority/challenges.hpp"
#include "authority/validation_port.hpp"
#include "common/clock.hpp"
#include "metrics/instruments.hpp"
#include "validation/outcome.hpp"

namespace cobble::app {

// What runs one validation (validation::Validator::validate in production). It may throw or take
// forever: the scheduler turns both into a failed outcome.
using ValidateFn = std::function<boost::asio::awaitable<validation::Outcome>(validation::Request)>;

struct SchedulerOptions {
  bool always_valid = false;               // every challenge passes, nothing is contacted
  std::chrono::milliseconds max_delay{0};  // random wait before each validation (PEBBLE_VA_SLEEPTIME)
  std::size_t max_in_flight = 4096;        // validations running at once; the rest wait in order
  std::size_t max_waiting = 10'000;        // validations waiting to start; reserve() refuses beyond
  // A validation still running this long after it started ends as a failure (connection problem)
  // and whatever it finds later is dropped. A backstop: the validators' own timeouts
  // (vaTimeoutSeconds) are meant to end validations first, with a more precise problem.
  std::chrono::milliseconds deadline{std::chrono::seconds(13)};
  // When recording an outcome fails (the database is busy, full or failing), it is retried after
  // this wait, doubling up to `record_retry_max`, until it is recorded.
  std::chrono::milliseconds record_retry_first{std::chrono::milliseconds(500)};
  std::chrono::milliseconds record_retry_max{std::chrono::seconds(30)};
};

// The validation queue: runs validations as coroutines on the io_context (pure async I/O), at
// most `max_in_flight` at once, and records each outcome on `record_executor` (its own thread,
// since recording writes SQLite). Every accepted validation ends recorded: valid, or invalid with
// a problem, within `deadline` of its start, whatever the validator does (throws, hangs). Thread-safe.
class AsioValidationScheduler final : public authority::ValidationScheduler {
 public:
  // `validate` may be empty when options.always_valid. The io_context is stopped before the
  // scheduler and every object the validations use go away.
  AsioValidationScheduler(boost::asio::io_context& io, boost::asio::any_io_executor record_executor,
                          ValidateFn validate, const common::Clock& clock, SchedulerOptions options);
  void attach(const authority::Challenges& challenges) { challenges_ = &challenges; }
  // Counts and times every validation's outcome there from now on (before the first schedule()).
  void attach(std::shared_ptr<metrics::Instruments> instruments) { instruments_ = std::move(instruments); }

  bool reserve() override;
  void release() override;
  void schedule(authority::ValidationTask task) override;
  void schedule_resumed(authority::ValidationTask task) override;

  // Validations accepted and not yet recorded (waiting, running, or being recorded).
  std::size_t accepted() const { return accepted_.load(); }

 private:
  void start_waiting();  // on strand_
  boost::asio::awaitable<void> run(authority::ValidationTask task);
  boost::asio::awaitable<std::shared_ptr<const validation::Outcome>> attempt(
      const authority::ValidationTask& task);
  boost::asio::awaitable<validation::Outcome> validate_before_deadline(validation::Request request);
  // A failure found by the scheduler itself, timed now.
  validation::Outcome failed_now(acme::Problem problem) const;
  void observe(const authority::ValidationTask& task, const validation::Outcome& outcome,
               std::chrono::steady_clock::duration took) const;
  void record(std::shared_ptr<const authority::ValidationTask> task,
              std::shared_ptr<const validation::Outcome> outcome, std::chrono::milliseconds retry);

  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  boost::asio::any_io_executor record_executor_;
  ValidateFn validate_;
  const common::Clock& clock_;
  SchedulerOptions options_;
  const authority::Challenges* challenges_ = nullptr;
  std::shared_ptr<metrics::Instruments> instruments_;
  std::atomic<std::size_t> accepted_{0};
  std::deque<authority::ValidationTask> waiting_;  // on strand_
  std::size_t in_flight_ = 0;                      // on strand_
  std::size_t lingering_ = 0;  // on strand_: validations past their deadline that have not ended yet
};

}  // namespace cobble::app
