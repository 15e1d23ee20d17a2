#pragma once

#include "acme/problem.hpp"
#include "api/message.hpp"

namespace cobble::api {

// The one place a problem becomes bytes: `application/problem+json` (RFC 7807, RFC 8555 §6.7)
// with the problem's status and extra headers. Callers add ACME headers (nonce, index link).
Reply problem_reply(const acme::Problem& problem);

}  // namespace cobble::api
