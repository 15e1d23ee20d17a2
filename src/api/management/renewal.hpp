#pragma once

#include "api/management/management.hpp"
#include "api/router.hpp"

namespace cobble::api {

// POST /set-renewal-info/: overrides the renewal information (RFC 9773) served for a certificate.
// Pebble's body {"Certificate": "<PEM>", "ARIResponse": "<text served verbatim>"}, or Cobble's
// {"certID": "<certID>", "suggestedWindow": {"start", "end"}, "explanationURL"?} (checked: RFC 3339
// times, end after start). 404 for a certificate this CA did not issue.
acme::Result<Reply> set_renewal_info(Context& ctx, ManagementServices& s);

}  // namespace cobble::api
