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
  acme::Result<Reply> (*handler)(Context&, ServicesT&);
};

// Which POST bodies a route table takes: ACME (JWS, RFC 8555 §6.2), plain JSON (management), or an
// HTML form (the unpause portal: application/x-www-form-urlencoded, or no Content-Type and no body).
// Only ACME answers preflights with CORS headers (RFC 8555 §6.1): the management API must not be
// usable from another site's page, and form routes are pages of their own.
// A JSON POST needs a JSON body: a browser sends that cross-origin only after a CORS preflight,
// which the management API never grants, so no other site's page can change its state.
enum class PostBody { jose, json, form };

// The row of a table a request's path names, and the id after a prefix route's path.
template <class RouteT>
struct RouteMatch {
  const RouteT& route;
  std::string_view id;  // "" for exact routes
};

template <class RouteT>
std::optional<RouteMatch<RouteT>> find_route(std::span<const RouteT> routes, std::string_view path) {
  for (const auto& r : routes) {
    if (!r.prefix && path == r.path) return RouteMatch<RouteT>{r, {}};
    if (r.prefix && path.size() > r.path.size() && path.starts_with(r.path))
      return RouteMatch<RouteT>{r, path.substr(r.path.size())};
  }
  return std::nullopt;
}

namespace detail {
// Returns the refusal (404, 405 + Allow, 415) for a request, or nullopt when the handler may run.
std::optional<Reply> refuse(bool found, unsigned methods, const Request& request, PostBody post_body);
Reply options_reply(unsigned methods, bool cors);
}  // namespace detail

// Answers a request for the matched row (or its absence) with what every route shares: 404/405
// (+ Allow)/415 problems and OPTIONS; otherwise `run(route, ctx)`, the front end's way of calling
// the row's handler. Handlers never choose error statuses: a failed Result becomes its problem.
// The front end adds its own headers afterwards, in one place (finish_reply for the defaults).
template <class RouteT, class Run>
Reply answer(const std::optional<RouteMatch<RouteT>>& match, const Request& request, PostBody post_body,
             Run&& run) {
  auto reply = [&]() -> Reply {
    if (match && request.method == "OPTIONS")
      return detail::options_reply(match->route.methods, post_body == PostBody::jose);
    if (auto refusal =
            detail::refuse(match.has_value(), match ? match->route.methods : 0, request, post_body))
      return std::move(*refusal);
    Context ctx{request, Urls(request.base_url), match->id};
    auto result = run(match->route, ctx);
    return result ? std::move(*result) : problem_reply(result.error());
  }();
  if (match) reply.endpoint = match->route.path;
  return reply;
}

// What every reply carries unless its handler chose otherwise: Cache-Control: no-store.
void finish_reply(Reply& reply);

// A whole table for a front end whose rows are plain Routes: find, answer, finish.
template <class ServicesT>
Reply dispatch(std::span<const Route<ServicesT>> routes, const Request& request, ServicesT& services,
               PostBody post_body) {
  auto reply =
      answer(find_route(routes, request.path), request, post_body,
             [&](const Route<ServicesT>& route, Context& ctx) { return route.handler(ctx, services); });
  finish_reply(reply);
  return reply;
}

}  // namespace cobble::api
