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
// asynchronously and reports back through Challenges::record_outcome. schedule() never blocks.
class ValidationScheduler {
 public:
  virtual ~ValidationScheduler() = default;
  virtual void schedule(ValidationTask task) = 0;
};

}  // namespace cobble::authority
