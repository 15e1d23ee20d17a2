#include "acme/problem.hpp"

#include <array>

#include "common/text.hpp"

namespace cobble::acme {
namespace {

struct ProblemInfo {
  ProblemType type;
  const char* name;
  int status;
};

// RFC 8555 §6.7 (and RFC 9773, draft-ietf-acme-profiles for alreadyReplaced/invalidProfile).
constexpr std::array<ProblemInfo, 27> kProblems{{
    {ProblemType::account_does_not_exist, "accountDoesNotExist", 400},
    {ProblemType::agreement_required, "agreementRequired", 403},
    {ProblemType::already_replaced, "alreadyReplaced", 409},
    {ProblemType::already_revoked, "alreadyRevoked", 400},
    {ProblemType::bad_csr, "badCSR", 400},
    {ProblemType::bad_nonce, "badNonce", 400},
    {ProblemType::bad_public_key, "badPublicKey", 400},
    {ProblemType::bad_revocation_reason, "badRevocationReason", 400},
    {ProblemType::bad_signature_algorithm, "badSignatureAlgorithm", 400},
    {ProblemType::caa, "caa", 403},
    {ProblemType::compound, "compound", 403},
    {ProblemType::connection, "connection", 400},
    {ProblemType::dns, "dns", 400},
    {ProblemType::external_account_required, "externalAccountRequired", 403},
    {ProblemType::incorrect_response, "incorrectResponse", 400},
    {ProblemType::invalid_contact, "invalidContact", 400},
    {ProblemType::invalid_profile, "invalidProfile", 400},
    {ProblemType::malformed, "malformed", 400},
    {ProblemType::order_not_ready, "orderNotReady", 403},
    {ProblemType::rate_limited, "rateLimited", 429},
    {ProblemType::rejected_identifier, "rejectedIdentifier", 400},
    {ProblemType::server_internal, "serverInternal", 500},
    {ProblemType::tls, "tls", 400},
    {ProblemType::unauthorized, "unauthorized", 403},
    {ProblemType::unsupported_contact, "unsupportedContact", 400},
    {ProblemType::unsupported_identifier, "unsupportedIdentifier", 400},
    {ProblemType::user_action_required, "userActionRequired", 403},
}};

const ProblemInfo& info(ProblemType type) {
  for (const auto& i : kProblems)
    if (i.type == type) return i;
  return kProblems[21];  // serverInternal: unreachable while the table lists every enumerator
}

}  // namespace

std::string urn(ProblemType type) { return std::string("urn:ietf:params:acme:error:") + info(type).name; }

std::string_view type_name(ProblemType type) { return info(type).name; }

int default_status(ProblemType type) { return info(type).status; }

Problem Problem::make(ProblemType type, std::string detail) {
  Problem p;
  p.type = type;
  // Details often quote outside bytes (a peer's reply, a DNS record, a request path).
  p.detail = common::valid_utf8(detail);
  p.status = default_status(type);
  return p;
}

Problem Problem::not_found(std::string detail) { return malformed(std::move(detail)).with_status(404); }

Problem Problem::method_not_allowed(std::string allow) {
  auto p = malformed("Method not allowed; this resource accepts " + allow).with_status(405);
  p.headers.emplace_back("Allow", std::move(allow));
  return p;
}

Problem Problem::payload_too_large(std::string detail) {
  return malformed(std::move(detail)).with_status(413);
}

Problem Problem::unsupported_media_type(std::string detail) {
  return malformed(std::move(detail)).with_status(415);
}

Problem Problem::unavailable(std::string detail, int retry_after_seconds) {
  return server_internal(std::move(detail))
      .with_status(503)
      .with_header("Retry-After", std::to_string(retry_after_seconds));
}

nlohmann::json to_json(const Problem& problem) {
  nlohmann::json j = {{"type", urn(problem.type)}, {"detail", problem.detail}, {"status", problem.status}};
  if (problem.identifier) j["identifier"] = to_json(*problem.identifier);
  if (!problem.instance.empty()) j["instance"] = problem.instance;
  if (!problem.algorithms.empty()) j["algorithms"] = problem.algorithms;
  if (!problem.subproblems.empty()) {
    auto& subs = j["subproblems"] = nlohmann::json::array();
    for (const auto& sub : problem.subproblems) subs.push_back(to_json(sub));
  }
  return j;
}

}  // namespace cobble::acme
