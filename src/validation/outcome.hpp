#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "acme/problem.hpp"
#include "acme/types.hpp"
#include "common/clock.hpp"
#include "validation/perspectives.hpp"

namespace cobble::validation {

// One challenge to validate (RFC 8555 §8), from the challenge POST down to the validator.
// Validators know nothing of storage or accounts.
struct Request {
  std::string type;             // "http-01", "dns-01", "tls-alpn-01", "dns-account-01", "dns-persist-01"
  acme::Identifier identifier;  // DNS name without "*.", or IP address (RFC 8738)
  std::string token;
  std::string key_authorization;
  // The account URL the client knows (RFC 8555 §7.3 Location): dns-account-01's label,
  // dns-persist-01's and CAA's accounturi (RFC 8657 §3).
  std::string account_url;
  bool wildcard = false;      // the order asked for "*.<identifier>"
  std::int64_t now_unix = 0;  // ACME time (the CA's Clock), for dns-persist-01's persistUntil
};

// What a validation found, from the validator up to the row in validation_attempts. A failed
// validation is data, not an error: `problem` says why, in words a person can act on (type
// connection, dns, unauthorized, tls, incorrectResponse, ...).
struct Outcome {
  std::optional<acme::Problem> problem;  // empty: the challenge passed
  std::vector<std::string> addresses;    // addresses contacted, in order ("[::1]:5002", "127.0.0.1:5002")
  std::vector<std::string> redirects;    // http-01: every URL fetched after the first
  // With remote perspectives: the primary's result, then each remote's.
  std::vector<PerspectiveResult> perspectives;
  // When the validation ran, in ACME time: set by whoever runs validators (they read no clock).
  common::TimePoint started_at{};
  common::TimePoint finished_at{};

  bool valid() const { return !problem.has_value(); }
};

inline Outcome failed(acme::ProblemType type, std::string detail) {
  Outcome o;
  o.problem = acme::Problem::make(type, std::move(detail));
  return o;
}

}  // namespace cobble::validation
