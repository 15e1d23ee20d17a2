#pragma once

#include <expected>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "acme/problem.hpp"
#include "acme/types.hpp"

namespace cobble::acme {

// Decodes and checks the "identifiers" of a newOrder payload (RFC 8555 §7.4, §9.7.7): a non-empty
// array of {type, value} objects. DNS values are lower-cased, IP values (RFC 8738) put in canonical
// text form (canonical_ip); both de-duplicated (order kept).
// Returns malformed for a wrong shape, unsupportedIdentifier for a type Cobble does not issue for,
// and rejectedIdentifier with one subproblem per bad value (RFC 8555 §6.7.1).
Result<std::vector<Identifier>> decode_identifiers(const nlohmann::json& identifiers, std::size_t max_count);

// Why a DNS name cannot be in a certificate ("" when it can): length ≤ 253, labels of 1–63
// characters from [a-z0-9-] not starting or ending with '-', at least two labels, no trailing dot,
// at most one leading "*." wildcard label, not an IP address.
std::string dns_name_problem(std::string_view name);

// RFC 8738 §3: the canonical text of an IPv4 or IPv6 address (dotted quad; RFC 5952 for IPv6:
// lower case, longest zero run compressed), or why `text` is not one (wildcards, zone indexes,
// IPv4-mapped IPv6 addresses and anything inet_pton refuses).
std::expected<std::string, std::string> canonical_ip(std::string_view text);

// RFC 8738 §6: the reverse-DNS name of a canonical address, without trailing dot
// ("1.2.0.192.in-addr.arpa", "1.0.0.0….8.b.d.0.1.0.0.2.ip6.arpa"); "" when it is not an address.
std::string reverse_dns_name(std::string_view canonical);

}  // namespace cobble::acme
