#pragma once

#include "api/management/management.hpp"
#include "api/router.hpp"

namespace cobble::api {

// GET /rate-limits?prefix=<key prefix>&limit=N: stored buckets, emptiest first, with the tokens
// each holds now and when it is full again. POST /rate-limits/reset {"prefix": "..."}: refills
// them ("" = every bucket), so a test can drain a limit, reset it or move the clock, and try again.
acme::Result<Reply> rate_limit_buckets(Context& ctx, ManagementServices& s);
acme::Result<Reply> reset_rate_limits(Context& ctx, ManagementServices& s);
// POST /rate-limits/override {"key": "NewOrdersPerAccount:42", "burst", "count", "periodSeconds"}
// gives one bucket its own limit; {"key": ..., "remove": true} takes it away. In memory.
acme::Result<Reply> override_rate_limit(Context& ctx, ManagementServices& s);

}  // namespace cobble::api
