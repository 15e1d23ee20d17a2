#pragma once

#include <expected>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "acme/types.hpp"

namespace cobble::acme {

// RFC 8555 §6.7 error types plus the extensions Cobble serves. The URN and default HTTP status of
// each live in one table in problem.cpp; nothing else spells a URN or picks a status.
enum class ProblemType {
  account_does_not_exist,
  // Not RFC 8555: the draft type Pebble still sends when the terms of service are not agreed
  // (termsRefusal: agreementRequired).
  agreement_required,
  already_replaced,
  already_revoked,
  bad_csr,
  bad_nonce,
  bad_public_key,
  bad_revocation_reason,
  bad_signature_algorithm,
  caa,
  compound,
  connection,
  dns,
  external_account_required,
  incorrect_response,
  invalid_contact,
  invalid_profile,
  malformed,
  order_not_ready,
  rate_limited,
  rejected_identifier,
  server_internal,
  tls,
  unauthorized,
  unsupported_contact,
  unsupported_identifier,
  user_action_required,
};

struct Problem {
  ProblemType type = ProblemType::server_internal;
  std::string detail;
  int status = 500;
  std::optional<Identifier> identifier;
  std::vector<Problem> subproblems;
  std::string instance;
  std::vector<std::string> algorithms;  // badSignatureAlgorithm (RFC 8555 §6.2)
  // Extra response headers the problem carries (Link rel="help", Retry-After, Allow, ...).
  std::vector<std::pair<std::string, std::string>> headers;

  static Problem make(ProblemType type, std::string detail);
  static Problem malformed(std::string detail) { return make(ProblemType::malformed, std::move(detail)); }
  static Problem unauthorized(std::string detail) {
    return make(ProblemType::unauthorized, std::move(detail));
  }
  static Problem server_internal(std::string detail) {
    return make(ProblemType::server_internal, std::move(detail));
  }
  static Problem bad_nonce(std::string detail) { return make(ProblemType::bad_nonce, std::move(detail)); }
  // HTTP-level refusals share the malformed type with a more precise status (RFC 8555 has no
  // dedicated types for them; clients branch on the status).
  static Problem not_found(std::string detail);
  static Problem method_not_allowed(std::string allow);
  static Problem payload_too_large(std::string detail);
  static Problem unsupported_media_type(std::string detail);
  // 503 serverInternal with Retry-After: the server cannot serve the request now (its database
  // failed, its validation queue is full) and the client should come back after that many seconds.
  static Problem unavailable(std::string detail, int retry_after_seconds);

  Problem& with_status(int s) {
    status = s;
    return *this;
  }
  Problem& with_header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
};

// "urn:ietf:params:acme:error:<name>"
std::string urn(ProblemType type);
// "<name>" alone ("connection", "userActionRequired"): the URN's last part.
std::string_view type_name(ProblemType type);
int default_status(ProblemType type);

// The RFC 7807 body: type, detail, status, and when present identifier, subproblems, instance,
// algorithms.
nlohmann::json to_json(const Problem& problem);

template <class T>
using Result = std::expected<T, Problem>;

inline std::unexpected<Problem> fail(Problem p) { return std::unexpected(std::move(p)); }

}  // namespace cobble::acme
