#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "acme/problem.hpp"
#include "acme/types.hpp"
#include "common/clock.hpp"

namespace cobble::authority {

// One challenge to validate (RFC 8555 §8): what a validator needs, nothing more.
struct ValidationTask {
  std::string challenge_id;
  std::int64_t account_id = 0;
  acme::Identifier identifier;  // value without "*."
  bool wildcard = false;
  std::string type;  // "http-01", "dns-01", "tls-alpn-01", "dns-account-01", "dns-persist-01"
  std::string token;
  std::string key_authorization;
  // The account's URL as the client knows it (dns-account-01, dns-persist-01, CAA accounturi).
  std::string account_url;
};

// What a validation found, as the scheduler reports it back.
struct ValidationReport {
  std::optional<acme::Problem> problem;  // empty: the challenge passed
  std::vector<std::string> addresses;    // addresses contacted
  std::vector<std::string> redirects;    // http-01 redirect chain
  common::TimePoint started_at{};
  common::TimePoint finished_at{};
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
