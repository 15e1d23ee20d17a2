#pragma once

#include <memory>

#include "challsrv/http_listener.hpp"
#include "challsrv/state.hpp"

namespace cobble::challsrv {

inline constexpr std::string_view kAcmeChallengePrefix = "/.well-known/acme-challenge/";

// The HTTP-01 responder (RFC 8555 §8.3), any method. Records every request in the http history,
// then: a path added by /add-redirect → 302 with Location; /.well-known/acme-challenge/<token>
// with a known token → 200 text/plain key authorization; anything else → 404. (pebble-challtestsrv
// answers an unknown token with an empty 200; a 404 makes a client's mistake visible.)
HttpResponse handle_http01(State& state, const HttpRequest& request);

inline HttpHandler http01_handler(std::shared_ptr<State> state) {
  return [state = std::move(state)](const HttpRequest& request) { return handle_http01(*state, request); };
}

}  // namespace cobble::challsrv
