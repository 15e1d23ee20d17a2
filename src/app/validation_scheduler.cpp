#include "app/validation_scheduler.hpp"

#include <boost/asio/post.hpp>

namespace cobble::app {

void PooledValidationScheduler::schedule(authority::ValidationTask task) {
  boost::asio::post(executor_, [this, task = std::move(task)] {
    auto outcome = validate_(task);
    challenges_->record_outcome(task.challenge_id, outcome);
  });
}

}  // namespace cobble::app
