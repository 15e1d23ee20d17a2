#pragma once

#include "api/management/management.hpp"
#include "api/router.hpp"

namespace cobble::api {

acme::Result<Reply> clock(Context& ctx, ManagementServices& s);
acme::Result<Reply> pause_pair(Context& ctx, ManagementServices& s);
acme::Result<Reply> unpause_account(Context& ctx, ManagementServices& s);
acme::Result<Reply> paused(Context& ctx, ManagementServices& s);

}  // namespace cobble::api
