#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "api/management/management.hpp"
#include "api/router.hpp"

namespace cobble::api {

// GET /validations?account=N&identifier=dns:<name>|ip:<address>[&limit=K]: the account's latest K
// validations of that identifier (20 by default, at most 100), newest first, each with its problem and, for a
// multi-perspective validation, every perspective's name, RIR, status and problem, so a client
// author can see which remote did not corroborate.
acme::Result<Reply> validations(Context& ctx, ManagementServices& s);

// The `account` query parameter as a positive id; malformed otherwise.
acme::Result<std::int64_t> account_param(std::string_view query);
// The `limit` query parameter: `fallback` when absent, else a whole number from 1 to `most`;
// malformed otherwise.
acme::Result<std::size_t> limit_param(std::string_view query, std::size_t fallback, std::size_t most);

}  // namespace cobble::api
