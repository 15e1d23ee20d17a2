#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "acme/problem.hpp"
#include "acme/types.hpp"

namespace cobble::acme {

// Decodes and checks the "identifiers" of a newOrder payload (RFC 8555 §7.4, §9.7.7): a non-empty
// array of {type, value} objects. DNS values are lower-cased and de-duplicated (order kept).
// Returns malformed for a wrong shape, unsupportedIdentifier for a type Cobble does not issue for,
// and rejectedIdentifier with one subproblem per bad value (RFC 8555 §6.7.1).
Result<std::vector<Identifier>> decode_identifiers(const nlohmann::json& identifiers, std::size_t max_count);

// Why a DNS name cannot be in a certificate ("" when it can): length ≤ 253, labels of 1–63
// characters from [a-z0-9-] not starting or ending with '-', at least two labels, no trailing dot,
// at most one leading "*." wildcard label, not an IP address.
std::string dns_name_problem(std::string_view name);

}  // namespace cobble::acme
