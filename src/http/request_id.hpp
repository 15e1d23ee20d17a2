#pragma once

#include <string>
#include <string_view>

#include "api/message.hpp"
#include "http/forwarded.hpp"

// Every request's id: in its log line, in the X-Request-Id response header and on api::Request for
// the events logged while it is handled, so the line a client logged leads to the server's.
namespace cobble::http {

// 16 lower-case hex characters, 64 bits from the CSPRNG: no coordination between instances, and a
// collision among the ids of a whole deployment is unlikely before ~4 billion requests.
std::string new_request_id();

// True when `id` may stand in a header and a log line as it is: 1 to 128 characters of
// [A-Za-z0-9._:-] (UUIDs, HAProxy's unique-id formats, our own ids).
bool acceptable_request_id(std::string_view id);

// The id of a request from the socket peer `peer` (its address as text): the first X-Request-Id
// header when the peer is one of the `trusted` proxies and the header is acceptable, so the proxy's
// log and Cobble's share the id; otherwise a new one. A client's own X-Request-Id is ignored: ids
// must be the server's to be unique, and a client could otherwise make its requests look like
// another's.
std::string request_id_for(const api::Headers& headers, std::string_view peer, const TrustedProxies& trusted);

}  // namespace cobble::http
