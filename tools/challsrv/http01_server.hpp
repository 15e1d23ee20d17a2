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
// `peer`: an address set with /set-source-mismatch gets a wrong key authorization, so one
// validation perspective (bound to that source address) sees a different answer.
HttpResponse handle_http01(State& state, const HttpRequest& request, const Peer& peer = {});

inline HttpHandler http01_handler(std::shared_ptr<State> state) {
  return [state = std::move(state)](const HttpRequest& request, const Peer& peer) {
    return handle_http01(*state, request, peer);
  };
}

}  // namespace cobble::challsrv
