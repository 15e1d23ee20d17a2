#pragma once

#include <string>
#include <vector>

#include "acme/problem.hpp"
#include "acme/types.hpp"

namespace cobble::authority {

// Pebble's `domainBlocklist`: a blocked name refuses itself and every name under it
// ("blocked.example" refuses "blocked.example", "*.blocked.example" and "a.b.blocked.example", not
// "notblocked.example"). Entries are compared case-insensitively, a trailing dot ignored. IP
// identifiers are never blocked.
//
// Returns rejectedIdentifier (400, RFC 8555 §6.7.1) with one subproblem per refused identifier, each
// naming the identifier and the entry that blocks it; success when none is blocked.
acme::Result<void> check_blocklist(const std::vector<std::string>& blocklist,
                                   const std::vector<acme::Identifier>& identifiers);

}  // namespace cobble::authority
