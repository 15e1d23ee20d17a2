#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "validation/outcome.hpp"
#include "validation/resolver.hpp"

namespace cobble::validation {

// One "_validation-persist" TXT record (draft-ietf-acme-dns-persist §3.1):
//   <issuer-domain-name> *( ";" <key>=<value> )
// with optional whitespace around every token. Keys are case-insensitive; unknown keys are
// ignored. The issuer is lower-cased without a trailing dot.
struct PersistRecord {
  std::string issuer;
  std::string account_uri;                    // accounturi=
  bool wildcard_policy = false;               // policy=wildcard (other policy values: as if absent)
  std::optional<std::int64_t> persist_until;  // persistUntil=<unix seconds>
};

// The record, or why it is malformed (empty issuer, a parameter without "=", a repeated key, no
// accounturi, a persistUntil that is not a non-negative integer). Malformed records are ignored.
std::expected<PersistRecord, std::string> parse_persist_record(std::string_view text);

// Why `record` does not authorize `request` ("" when it does): issuer not one of
// `issuer_domain_names` (case-insensitive), accounturi not exactly request.account_url, a wildcard
// order without policy=wildcard, persistUntil before request.now_unix.
std::string persist_record_refusal(const PersistRecord& record, const Request& request,
                                   const std::vector<std::string>& issuer_domain_names);

// dns-persist-01: TXT at "_validation-persist.<identifier>"; passes when any record authorizes the
// request. Failures are unauthorized (no record, or none authorizing: the detail says why the most
// relevant one does not) or dns (lookup failed). `issuer_domain_names` is copied before suspending.
boost::asio::awaitable<Outcome> validate_dns_persist01(Resolver& resolver, const Request& request,
                                                       std::vector<std::string> issuer_domain_names);

}  // namespace cobble::validation
