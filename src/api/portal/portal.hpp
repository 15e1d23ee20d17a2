#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "api/message.hpp"
#include "authority/pauses.hpp"

namespace cobble::api {

// The self-service unpause portal (pausing.md "The self-service portal", boulder.md §4), served on
// the ACME listener under kPortalPrefix. Possession of the link's token is the only credential.
//   GET  /sfe/v1/unpause?jwt=T          the form: 200; expired token: 200 "expired link" page;
//                                       any other token error or no token: 400 "invalid link".
//                                       Never unpauses.
//   POST /sfe/v1/do-unpause?jwt=T       unpauses every paused identifier of T's account (at most
//                                       policy.max_unpaused_per_request) and redirects 302 to
//                                       /sfe/v1/unpause-status?count=N. A cross-origin POST
//                                       (Sec-Fetch-Site other than same-origin/none, or an Origin
//                                       other than the request's base URL): 403 and nothing changes.
//                                       Token errors as for GET; a storage error: 500.
//   GET  /sfe/v1/unpause-status?count=N the outcome; a count that is not a decimal integer: 400.
// Anything else under the prefix, or `pauses` null (pausing off): 404 page. Every reply is HTML in the
// language Accept-Language prefers, with a strict CSP (no script), X-Frame-Options DENY,
// Cache-Control no-store, nosniff and Referrer-Policy no-referrer (the token is in the URL).
inline constexpr std::string_view kPortalPrefix = "/sfe/v1/";
Reply handle_portal(const Request& request, const authority::Pauses* pauses);

}  // namespace cobble::api
