#pragma once

#include "api/management/management.hpp"
#include "api/router.hpp"

// The operator dashboard on the management listener (issue #17).
namespace cobble::api {

// GET /dashboard, /dashboard/app.js, /dashboard/style.css: the page, its script and its style,
// compiled into the binary (dashboard_assets.hpp). Readable without the management token (they
// hold no data); a Content-Security-Policy allows only this origin's script, style and fetches
// (no inline script or style), and the page may not be framed.
acme::Result<Reply> dashboard_page(Context& ctx, ManagementServices& s);
acme::Result<Reply> dashboard_script(Context& ctx, ManagementServices& s);
acme::Result<Reply> dashboard_style(Context& ctx, ManagementServices& s);

// The JSON the page draws, compact, with every time in seconds since the Unix epoch (UTC) and
// every figure's unit named. ?window=24h (per minute, the default) or 30d (per hour); anything
// else, or a bad limit, is a malformed problem (400).
//
// GET /dashboard/api/series?window=24h[&name=<series>]: each series over the window as one value
// per bucket, oldest first, from `start` every `bucketSeconds` to the bucket holding `now`:
// validations by outcome, pauses, re-pauses, unpauses, orders refused for a paused pair,
// rate-limit denials (all limits, and each), paused pairs (a gauge: null where no sample was
// taken); and `totals`, every count ever recorded. `name` picks one series (an unknown one: 400).
acme::Result<Reply> dashboard_series(Context& ctx, ManagementServices& s);
// GET /dashboard/api/pairs[?limit=10]: the unpaused pairs with the fewest failures left before a
// pause (1 to 100 of them): account, identifier, failures left, the policy's burst, and when the
// bucket is full again.
acme::Result<Reply> dashboard_pairs(Context& ctx, ManagementServices& s);
// GET /dashboard/api/accounts?window=24h[&limit=10]: the accounts with the most failed validations
// in the window (1 to 100 of them), with the time of the last.
acme::Result<Reply> dashboard_accounts(Context& ctx, ManagementServices& s);

}  // namespace cobble::api
