#pragma once

#include <cstdint>
#include <string>

#include "acme/types.hpp"

namespace cobble::authority {

// One challenge to validate (RFC 8555 §8): what a validator needs, nothing more.
struct ValidationTask {
  std::string challenge_id;
  std::int64_t account_id = 0;
  acme::Identifier identifier;  // value without "*."
  bool wildcard = false;
  std::string type;  // "http-01", "dns-01", "tls-alpn-01"
  std::string token;
  std::string key_authorization;
};

// Where authority/ hands challenges for validation. The implementation (app/) runs them
// asynchronously and reports back through Challenges::record_outcome. schedule() never blocks.
class ValidationScheduler {
 public:
  virtual ~ValidationScheduler() = default;
  virtual void schedule(ValidationTask task) = 0;
};

}  // namespace cobble::authority
