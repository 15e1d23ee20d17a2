#pragma once

#include "api/management/management.hpp"
#include "api/router.hpp"

// Management endpoints that adjust a running server for tests: injected faults, a state wipe, the
// log level.
namespace cobble::api {

// GET: the chaos rules as JSON. POST: replaces them with the body (parse_chaos; {} turns chaos
// off); 400 malformed naming what is wrong.
acme::Result<Reply> chaos_settings(Context& ctx, ManagementServices& s);
// POST: wipes every account, order, authorization, challenge, certificate, validation attempt and
// pause (Store::reset); the CA keys and certificates stay. 204.
acme::Result<Reply> reset(Context& ctx, ManagementServices& s);
// GET: {"level": "info"}. POST {"level": "debug"}: sets it; 400 for a level spdlog does not have.
acme::Result<Reply> log_level(Context& ctx, ManagementServices& s);

}  // namespace cobble::api
