#include "app/validation_scheduler.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <random>

namespace cobble::app {
namespace asio = boost::asio;

AsioValidationScheduler::AsioValidationScheduler(asio::io_context& io, asio::any_io_executor record_executor,
                                                 validation::Validator* validator, const common::Clock& clock,
                                                 SchedulerOptions options)
    : strand_(asio::make_strand(io)),
      record_executor_(std::move(record_executor)),
      validator_(validator),
      clock_(clock),
      options_(options) {}

void AsioValidationScheduler::schedule(authority::ValidationTask task) {
  asio::post(strand_, [this, task = std::move(task)]() mutable {
    waiting_.push_back(std::move(task));
    start_waiting();
  });
}

void AsioValidationScheduler::start_waiting() {
  while (in_flight_ < options_.max_in_flight && !waiting_.empty()) {
    ++in_flight_;
    auto task = std::move(waiting_.front());
    waiting_.pop_front();
    asio::co_spawn(strand_, run(std::move(task)), [this](std::exception_ptr error) {
      if (error) {
        try {
          std::rethrow_exception(error);
        } catch (const std::exception& e) {
          spdlog::error("validation coroutine failed: {}", e.what());
        }
      }
      --in_flight_;
      start_waiting();
    });
  }
}

asio::awaitable<void> AsioValidationScheduler::run(authority::ValidationTask task) {
  if (options_.max_delay.count() > 0) {
    // Pebble's PEBBLE_VA_SLEEPTIME: clients must poll rather than expect instant answers.
    thread_local std::minstd_rand random{std::random_device{}()};
    asio::steady_timer timer(strand_, std::chrono::milliseconds(random() % options_.max_delay.count()));
    co_await timer.async_wait(asio::use_awaitable);
  }
  authority::ValidationReport report;
  report.started_at = clock_.now();
  if (!options_.always_valid) {
    validation::Request request{task.type, task.identifier, task.token, task.key_authorization};
    request.account_url = task.account_url;
    request.wildcard = task.wildcard;
    request.now_unix =
        std::chrono::duration_cast<std::chrono::seconds>(clock_.now().time_since_epoch()).count();
    auto outcome = co_await validator_->validate(std::move(request));
    report.problem = std::move(outcome.problem);
    report.addresses = std::move(outcome.addresses);
    report.redirects = std::move(outcome.redirects);
  }
  report.finished_at = clock_.now();
  // Recording writes SQLite: never on an I/O thread.
  asio::post(record_executor_, [challenges = challenges_, task = std::move(task),
                                report = std::move(report)] { challenges->record_outcome(task, report); });
}

}  // namespace cobble::app
