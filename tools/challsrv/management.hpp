#pragma once

#include <memory>

#include "challsrv/http_listener.hpp"
#include "challsrv/state.hpp"

namespace cobble::challsrv {

// pebble-challtestsrv's management API over plain HTTP, any method, JSON bodies whose field names
// match case-insensitively (as Go's encoding/json does). Success: 200 with an empty body, or a
// JSON list for the *-request-history endpoints. An empty or malformed body, a missing or empty
// required field, or an invalid host/address: 400 with a one-line text reason. Unknown path: 404.
// Endpoints: set-default-ipv4/6, add-a/clear-a, add-aaaa/clear-aaaa, add-caa/clear-caa,
// set-cname/clear-cname, set-servfail/clear-servfail, set-txt/clear-txt, add-http01/del-http01,
// add-redirect/del-redirect, add-tlsalpn01/del-tlsalpn01, {http,dns,tlsalpn01}-request-history,
// clear-request-history; and Cobble's set-source-mismatch/clear-source-mismatch.
HttpResponse handle_management(State& state, const HttpRequest& request);

inline HttpHandler management_handler(std::shared_ptr<State> state) {
  return [state = std::move(state)](const HttpRequest& request, const Peer&) {
    return handle_management(*state, request);
  };
}

}  // namespace cobble::challsrv
