#include "app/validation_scheduler.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <optional>
#include <random>

#include "common/exception_boundary.hpp"

namespace cobble::app {
namespace asio = boost::asio;

AsioValidationScheduler::AsioValidationScheduler(asio::io_context& io, asio::any_io_executor record_executor,
                                                 ValidateFn validate, const common::Clock& clock,
                                                 SchedulerOptions options)
    : strand_(asio::make_strand(io)),
      record_executor_(std::move(record_executor)),
      validate_(std::move(validate)),
      clock_(clock),
      options_(options) {}

bool AsioValidationScheduler::reserve() {
  const auto limit = options_.max_in_flight + options_.max_waiting;
  auto n = accepted_.load();
  while (n < limit) {
    if (accepted_.compare_exchange_weak(n, n + 1)) return true;
  }
  return false;
}

void AsioValidationScheduler::release() { --accepted_; }

void AsioValidationScheduler::schedule(authority::ValidationTask task) {
  asio::post(strand_, [this, task = std::move(task)]() mutable {
    waiting_.push_back(std::move(task));
    start_waiting();
  });
}

void AsioValidationScheduler::schedule_resumed(authority::ValidationTask task) {
  ++accepted_;
  schedule(std::move(task));
}

void AsioValidationScheduler::start_waiting() {
  // A validation that outlived its deadline still holds sockets until its own timeouts end it: it
  // keeps its place among the max_in_flight, so they bound what runs, not only what is awaited.
  while (in_flight_ + lingering_ < options_.max_in_flight && !waiting_.empty()) {
    ++in_flight_;
    auto task = std::move(waiting_.front());
    waiting_.pop_front();
    asio::co_spawn(strand_, run(std::move(task)), [this](const std::exception_ptr& error) {
      if (error) common::log_escaped("validation", error);
      --in_flight_;
      start_waiting();
    });
  }
}

asio::awaitable<validation::Outcome> AsioValidationScheduler::validate_before_deadline(
    validation::Request request) {
  // The validation runs on its own; whichever ends first, it or the deadline, decides. A validator
  // that ignores its own timeouts (a DNS lookup per redirect hop, a peer trickling bytes) then
  // costs the client nothing, and its late result is dropped. Both run on strand_.
  struct Race {
    std::optional<validation::Outcome> outcome;
    asio::steady_timer deadline;
  };
  auto race = std::make_shared<Race>(Race{std::nullopt, asio::steady_timer(strand_, options_.deadline)});
  const auto identifier = request.identifier.value;
  // Runs on strand_ when the validation ends, however it ends.
  auto finish = [this, race](validation::Outcome outcome) {
    if (race->outcome) {  // the deadline came first: the place it kept is free now
      --lingering_;
      start_waiting();
      return;
    }
    race->outcome = std::move(outcome);
    race->deadline.cancel();
  };
  asio::co_spawn(
      strand_,
      [validate = validate_, request = std::move(request), finish]() -> asio::awaitable<void> {
        validation::Outcome outcome;
        try {
          outcome = co_await validate(request);
        } catch (const std::exception& e) {
          outcome = validation::failed(acme::ProblemType::server_internal,
                                       std::string("The validation failed inside the CA: ") + e.what());
        }
        finish(std::move(outcome));
      },
      [finish](const std::exception_ptr& error) {
        if (!error) return;
        common::log_escaped("validation", error);
        finish(validation::failed(acme::ProblemType::server_internal, "The validation failed inside the CA"));
      });
  // co_spawn may have run the validation to its end already (it dispatches on strand_, where we are).
  if (!race->outcome) co_await race->deadline.async_wait(asio::as_tuple(asio::use_awaitable));
  if (!race->outcome) {
    ++lingering_;
    auto seconds = std::chrono::duration_cast<std::chrono::duration<double>>(options_.deadline).count();
    race->outcome = validation::failed(acme::ProblemType::connection,
                                       "Validation of " + identifier + " did not finish within " +
                                           fmt::format("{:g}", seconds) + " seconds");
  }
  co_return *race->outcome;
}

asio::awaitable<void> AsioValidationScheduler::run(authority::ValidationTask task) {
  auto shared_task = std::make_shared<const authority::ValidationTask>(std::move(task));
  const auto started = std::chrono::steady_clock::now();
  std::shared_ptr<const validation::Outcome> outcome;
  try {
    outcome = co_await attempt(*shared_task);
  } catch (...) {
    common::log_escaped("validation", std::current_exception());
  }
  if (!outcome) {  // whatever went wrong in here, the challenge still ends
    outcome = std::make_shared<const validation::Outcome>(
        failed_now(acme::Problem::server_internal("The validation failed inside the CA")));
  }
  if (instruments_) observe(*shared_task, *outcome, std::chrono::steady_clock::now() - started);
  record(std::move(shared_task), std::move(outcome), options_.record_retry_first);
}

void AsioValidationScheduler::observe(const authority::ValidationTask& task,
                                      const validation::Outcome& outcome,
                                      std::chrono::steady_clock::duration took) const {
  // The challenge type comes from the route's own table of types, the problem type from the
  // enum: both are few, so they are safe as labels.
  std::string_view result = outcome.valid() ? "valid" : "invalid";
  auto problem = outcome.valid() ? std::string_view() : acme::type_name(outcome.problem->type);
  instruments_->validations.at({task.type, result, problem}).add();
  instruments_->validation_durations.at({task.type, result})
      .observe(std::chrono::duration_cast<std::chrono::nanoseconds>(took));
}

asio::awaitable<std::shared_ptr<const validation::Outcome>> AsioValidationScheduler::attempt(
    const authority::ValidationTask& task) {
  if (options_.max_delay.count() > 0) {
    // Pebble's PEBBLE_VA_SLEEPTIME: clients must poll rather than expect instant answers.
    thread_local std::minstd_rand random{std::random_device{}()};
    asio::steady_timer timer(strand_, std::chrono::milliseconds(random() % options_.max_delay.count()));
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  const auto started_at = clock_.now();
  auto outcome = std::make_shared<validation::Outcome>();
  if (!options_.always_valid) {
    validation::Request request = task;
    request.now_unix =
        std::chrono::duration_cast<std::chrono::seconds>(started_at.time_since_epoch()).count();
    *outcome = co_await validate_before_deadline(std::move(request));
  }
  outcome->started_at = started_at;
  outcome->finished_at = clock_.now();
  co_return outcome;
}

validation::Outcome AsioValidationScheduler::failed_now(acme::Problem problem) const {
  validation::Outcome outcome;
  outcome.problem = std::move(problem);
  outcome.started_at = outcome.finished_at = clock_.now();
  return outcome;
}

void AsioValidationScheduler::record(std::shared_ptr<const authority::ValidationTask> task,
                                     std::shared_ptr<const validation::Outcome> outcome,
                                     std::chrono::milliseconds retry) {
  // Recording writes SQLite: never on an I/O thread.
  asio::post(record_executor_, [this, task, outcome, retry] {
    bool done = true;
    if (!common::guarded("recording a validation outcome", [&] {
          done = challenges_ == nullptr || challenges_->record_outcome(*task, *outcome);
        })) {
      // A bug, logged. Record the bare failure instead, so the challenge does not stay processing.
      auto bare = failed_now(acme::Problem::server_internal("The validation outcome could not be recorded"));
      common::guarded("recording a bare validation failure",
                      [&] { challenges_->record_outcome(*task, bare); });
      done = true;
    }
    if (done) {
      --accepted_;
      return;
    }
    // The store failed: try again later, so the outcome lands once the fault is gone.
    auto timer = std::make_shared<asio::steady_timer>(strand_, retry);
    timer->async_wait([this, timer, task, outcome, retry](const boost::system::error_code&) {
      record(task, outcome, std::min(retry * 2, options_.record_retry_max));
    });
  });
}

}  // namespace cobble::app
