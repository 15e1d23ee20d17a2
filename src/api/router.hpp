#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "acme/problem.hpp"
#include "api/message.hpp"
#include "api/problem_reply.hpp"
#include "api/urls.hpp"

namespace cobble::api {

enum Method : unsigned { kGet = 1, kHead = 2, kPost = 4 };

// What a handler sees of one request.
struct Context {
  const Request& request;
  Urls urls;
  std::string_view id;  // the rest of the path after a prefix route ("" for exact routes)
};

template <class ServicesT>
struct Route {
  std::string_view path;
  bool prefix;       // true: `path` followed by an id
  unsigned methods;  // Method bits; HEAD is implied by GET
  bool index_link;   // add Link: <directory>;rel="index" (RFC 8555 §7.1: all but the directory)
  acme::Result<Reply> (*handler)(Context&, ServicesT&);
};

// Which POST bodies a route table takes: ACME (JWS, RFC 8555 §6.2), plain JSON (management), or an
// HTML form (the unpause portal: application/x-www-form-urlencoded, or no Content-Type and no body).
// Only ACME answers with CORS headers (RFC 8555 §6.1): the management API must not be usable from
// another site's page, and form routes are pages of their own. Only ACME adds the index link.
// A JSON POST needs a JSON body: a browser sends that cross-origin only after a CORS preflight,
// which the management API never grants, so no other site's page can change its state.
enum class PostBody { jose, json, form };

namespace detail {
// Returns the refusal (404, 405 + Allow, 415) for a request, or nullopt when the handler may run.
std::optional<Reply> refuse(bool found, unsigned methods, const Request& request, PostBody post_body);
Reply options_reply(unsigned methods, bool cors);
void finish(const Request& request, const Urls& urls, bool index_link, bool cors, Reply& reply);
}  // namespace detail

// Matches a request against `routes` and runs its handler, applying what every route shares:
// 404/405 (+ Allow)/415 problems, CORS preflight and headers (RFC 8555 §6.1), the index link and
// Cache-Control. Handlers never choose error statuses: a failed Result becomes its problem.
template <class ServicesT>
Reply dispatch(std::span<const Route<ServicesT>> routes, const Request& request, ServicesT& services,
               PostBody post_body) {
  std::string_view id;
  const Route<ServicesT>* route = nullptr;
  for (const auto& r : routes) {
    if (!r.prefix && request.path == r.path) {
      route = &r;
      break;
    }
    if (r.prefix && request.path.size() > r.path.size() && request.path.starts_with(r.path)) {
      id = std::string_view(request.path).substr(r.path.size());
      route = &r;
      break;
    }
  }
  Urls urls(request.base_url);
  Reply reply;
  const bool acme = post_body == PostBody::jose;
  if (route && request.method == "OPTIONS") {
    reply = detail::options_reply(route->methods, acme);
  } else if (auto refusal =
                 detail::refuse(route != nullptr, route ? route->methods : 0, request, post_body)) {
    reply = std::move(*refusal);
  } else {
    Context ctx{request, urls, id};
    auto result = route->handler(ctx, services);
    reply = result ? std::move(*result) : problem_reply(result.error());
  }
  detail::finish(request, urls, acme && (!route || route->index_link), acme, reply);
  return reply;
}

}  // namespace cobble::api
