#pragma once

#include "api/management/management.hpp"
#include "api/router.hpp"

namespace cobble::api {

// GET /metrics: Prometheus' text format (promtool-checked in the tests), every figure the process
// and the database keep (docs/architecture.md, "Watching it").
acme::Result<Reply> metrics(Context& ctx, ManagementServices& s);

}  // namespace cobble::api
