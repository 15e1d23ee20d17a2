#include "challsrv/http01_server.hpp"

#include <spdlog/spdlog.h>

namespace cobble::challsrv {
namespace http = boost::beast::http;

HttpResponse handle_http01(State& state, const HttpRequest& request, const Peer& peer) {
  const std::string target(request.target());
  state.record(HttpEvent{target, std::string(request[http::field::host]), false, "",
                         std::string(request[http::field::user_agent])});
  const auto path = target.substr(0, target.find('?'));
  HttpResponse response{http::status::not_found, request.version()};
  if (auto location = state.redirect(path)) {
    response.result(http::status::found);
    response.set(http::field::location, *location);
    return response;
  }
  if (path.starts_with(kAcmeChallengePrefix)) {
    if (auto key_authorization = state.http01(path.substr(kAcmeChallengePrefix.size()))) {
      response.result(http::status::ok);
      response.set(http::field::content_type, "text/plain; charset=utf-8");
      response.body() = *key_authorization;
      if (state.source_mismatched(peer.address)) {
        spdlog::info("http-01: {} is a mismatched source: answering a wrong key authorization", peer.address);
        response.body() += ".seen-differently-from-" + peer.address;
      }
      return response;
    }
    spdlog::info("http-01: unknown token in {}", path);
  }
  return response;
}

}  // namespace cobble::challsrv
