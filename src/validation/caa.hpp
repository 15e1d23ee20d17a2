#pragma once

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>
#include <vector>

#include "acme/problem.hpp"
#include "validation/outcome.hpp"
#include "validation/resolver.hpp"

namespace cobble::validation {

struct CaaOptions {
  bool enabled = false;
  std::vector<std::string> issuer_domain_names;  // this CA's names in "issue" values (RFC 8659 §4.2)
};

// Whether `records` (a relevant RRset found at `where`) let this CA issue for the request
// (RFC 8659 §4, RFC 8657): nullopt when they do, else a caa problem naming the domain and the
// record. A critical record with an unknown tag forbids issuance; a wildcard request uses
// "issuewild" when present, else "issue"; a matching issue value's accounturi must equal
// request.account_url and its validationmethods must list request.type.
std::optional<acme::Problem> caa_refusal(const std::vector<CaaRecord>& records, const std::string& where,
                                         const Request& request, const std::vector<std::string>& issuers);

// Looks up the relevant RRset (RFC 8659 §3: CAA at the name, else at its parent, and so on up to the
// TLD; NXDOMAIN and no data mean "none here") and checks it for a "dns" identifier (none for IP
// addresses: RFC 8738 §7 leaves CAA undefined for them). nullopt
// when issuance is allowed; a caa problem when the records forbid it; a dns problem when the
// lookup failed. Arguments are copied before suspending.
boost::asio::awaitable<std::optional<acme::Problem>> check_caa(Resolver& resolver, Request request,
                                                               std::vector<std::string> issuers);

}  // namespace cobble::validation
