#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "validation/outcome.hpp"

namespace cobble::authority {

// A challenge to validate and where its outcome goes: the validator's Request (a copy of this,
// sliced, is what the validator sees) plus the ids that route the validation::Outcome back
// through Challenges::record_outcome.
struct ValidationTask : validation::Request {
  std::string challenge_id;
  std::int64_t account_id = 0;
  // How long the authorization lives once valid: its profile's valid_authz_lifetime.
  std::chrono::seconds valid_authz_lifetime{std::chrono::hours(24 * 30)};
};

// Where authority/ hands challenges for validation. The implementation (app/) runs them
// asynchronously and reports back through Challenges::record_outcome. Nothing here blocks.
// The queue is bounded: a challenge POST first takes a place (reserve), and is refused with 503
// when there is none, so the challenge stays pending instead of waiting in an endless line.
class ValidationScheduler {
 public:
  virtual ~ValidationScheduler() = default;
  // Takes one place in the queue; false when it is full. Each true is followed by exactly one
  // schedule() (which uses the place) or release() (which gives it back).
  virtual bool reserve() = 0;
  virtual void release() = 0;
  // Queues a validation whose place reserve() took.
  virtual void schedule(ValidationTask task) = 0;
  // Queues a validation resumed at start-up after a crash, whether or not there is room: it was
  // accepted before the crash.
  virtual void schedule_resumed(ValidationTask task) = 0;
};

}  // namespace cobble::authority
