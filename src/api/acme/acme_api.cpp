#include "api/acme/acme_api.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>

#include "api/acme/handlers.hpp"
#include "api/portal/portal.hpp"
#include "common/log.hpp"
#include "common/text.hpp"

namespace cobble::api {
namespace {

using PlainHandler = acme::Result<Reply> (*)(Context&, Services&);
using SignedHandler = acme::Result<Reply> (*)(Context&, Services&, SignedRequest);

// One ACME resource. A POST to a row with an `auth` is authenticated (serve.hpp) before its
// `signed_post` handler runs; GET and HEAD, and POST where `auth` is none, go to `plain`.
struct AcmeRoute {
  std::string_view path;
  bool prefix;       // true: `path` followed by an id
  unsigned methods;  // Method bits; HEAD is implied by GET
  bool index_link;   // Link: <directory>;rel="index" (RFC 8555 §7.1: all but the directory)
  bool gives_nonce;  // a Replay-Nonce on GET and HEAD too (newNonce); every POST reply has one
  Auth auth;
  PlainHandler plain;
  SignedHandler signed_post;
};

constexpr AcmeRoute kAcmeRoutes[] = {
    // path                     prefix  methods  index  nonce  auth  plain  signed_post
    {paths::kDirectory, false, kGet | kPost, false, false, Auth::none, directory, nullptr},
    {paths::kDirectoryAlias, false, kGet | kPost, false, false, Auth::none, directory, nullptr},
    {paths::kNewNonce, false, kGet | kPost, true, true, Auth::none, new_nonce, nullptr},
    {paths::kNewAccount, false, kPost, true, false, Auth::jwk, nullptr, new_account},
    {paths::kAccount, true, kPost, true, false, Auth::kid, nullptr, account},
    {paths::kKeyChange, false, kPost, true, false, Auth::kid, nullptr, key_change},
    {paths::kNewOrder, false, kPost, true, false, Auth::kid, nullptr, new_order},
    {paths::kOrder, true, kPost, true, false, Auth::kid, nullptr, order},
    {paths::kAuthz, true, kPost, true, false, Auth::kid, nullptr, authz},
    {paths::kChallenge, true, kPost, true, false, Auth::kid, nullptr, challenge},
    {paths::kCertificate, true, kPost, true, false, Auth::kid, nullptr, certificate},
    {paths::kRevokeCert, false, kPost, true, false, Auth::jwk_or_kid, nullptr, revoke_cert},
    {paths::kRenewalInfoPrefix, true, kGet | kPost, true, false, Auth::kid, renewal_info, renewal_info_post},
    {paths::kCrl, true, kGet, false, false, Auth::none, crl, nullptr},
};

// Every row can answer each method it allows: GET needs `plain`; POST needs `signed_post` exactly
// when it is authenticated, and `plain` otherwise.
constexpr bool well_formed(const AcmeRoute& r) {
  if ((r.methods & kGet) && r.plain == nullptr) return false;
  if (r.methods & kPost)
    return (r.auth == Auth::none) == (r.signed_post == nullptr) &&
           (r.auth != Auth::none || r.plain != nullptr);
  return r.auth == Auth::none && r.signed_post == nullptr;
}
static_assert(std::all_of(std::begin(kAcmeRoutes), std::end(kAcmeRoutes), well_formed));

using Match = std::optional<RouteMatch<AcmeRoute>>;

acme::Result<Reply> run(const AcmeRoute& route, Context& ctx, Services& services) {
  if (ctx.request.method != "POST" || route.auth == Auth::none) return route.plain(ctx, services);
  auto req = authenticate(ctx, services, route.auth);
  if (!req) return acme::fail(req.error());
  auto account_id = req->account ? std::to_string(req->account->id) : std::string();
  auto reply = route.signed_post(ctx, services, std::move(*req));
  if (reply && reply->log_account.empty()) reply->log_account = account_id;
  return reply;
}

// The ACME API's exception boundary: an escaped exception is a bug, never the client's fault, and
// it still gets a problem document (with its headers, added by the caller like every other reply).
Reply answer_guarded(const Match& match, const Request& request, Services& services) {
  try {
    return answer(match, request, PostBody::jose,
                  [&](const AcmeRoute& route, Context& ctx) { return run(route, ctx, services); });
  } catch (const std::exception& e) {
    common::log_event(spdlog::level::err, "handler_error", {{"request_id", request.request_id}},
                      "acme: {} {} failed inside the server: {}", request.method,
                      common::printable(request.path), e.what());
  }
  return problem_reply(acme::Problem::server_internal("The server hit an internal error"));
}

// The one place an ACME reply gets its protocol headers, whatever produced it (handler, refusal,
// injected fault, exception): the index link, CORS for browser clients, the nonce, Cache-Control.
void finish_acme_reply(const Match& match, const Request& request, Services& services, Reply& reply) {
  if (!match || match->route.index_link) {
    reply.with_header("Link", "<" + Urls(request.base_url).directory() + ">;rel=\"index\"");
  }
  // RFC 8555 §6.1: servers SHOULD allow browser-based clients (CORS).
  if (!request.header("Origin").empty()) {
    reply.with_header("Access-Control-Allow-Origin", "*");
    reply.with_header("Access-Control-Expose-Headers", "Link, Replay-Nonce, Location, Retry-After");
  }
  // RFC 8555 §6.5: a fresh nonce on every response to a POST, errors included (badNonce needs it).
  bool wants_nonce = request.method == "POST" || (match && match->route.gives_nonce);
  if (wants_nonce && request.method != "OPTIONS") reply.with_header("Replay-Nonce", services.nonces.issue());
  finish_reply(reply);
}

// Let's Encrypt's load-balancer limits: too many requests to one endpoint from one address is a
// 503 with Retry-After, before any work is done.
std::optional<Reply> refuse_over_rate(const Request& request, Services& services) {
  if (services.request_limiter == nullptr || !services.request_limiter->enabled()) return std::nullopt;
  auto endpoint = chaos_endpoint(request);
  if (!endpoint) return std::nullopt;
  auto wait = services.request_limiter->admit(std::string(*endpoint), request.remote_address);
  if (!wait) return std::nullopt;
  auto seconds = std::max<std::int64_t>(1, std::chrono::ceil<std::chrono::seconds>(*wait).count());
  const auto* rate = services.request_limiter->table().find(std::string(*endpoint));
  auto problem = acme::Problem::make(acme::ProblemType::rate_limited,
                                     "too many " + std::string(*endpoint) + " requests from " +
                                         request.remote_address + " (" + std::to_string(rate->per_second) +
                                         " per second, burst " + std::to_string(rate->burst) +
                                         "); retry after " + std::to_string(seconds) + " s")
                     .with_status(503)
                     .with_header("Retry-After", std::to_string(seconds));
  return problem_reply(problem);
}

}  // namespace

Reply handle_acme(const Request& request, Services& services) {
  // The unpause portal's pages share the listener (and its certificate) but none of ACME's rules.
  if (request.path.starts_with(kPortalPrefix)) return handle_portal(request, services.pauses);
  auto match = find_route<AcmeRoute>(kAcmeRoutes, request.path);
  ChaosDecision chaos;
  if (services.chaos) {
    if (auto endpoint = chaos_endpoint(request))
      chaos = services.chaos->decide(*endpoint, request.method == "POST");
  }
  auto over_rate = refuse_over_rate(request, services);
  Reply reply = over_rate     ? std::move(*over_rate)
                : chaos.fault ? problem_reply(*chaos.fault)
                              : answer_guarded(match, request, services);
  reply.delay = chaos.delay;
  if (match) reply.endpoint = match->route.path;  // refused for rate or chaos, still that endpoint's
  finish_acme_reply(match, request, services, reply);
  return reply;
}

}  // namespace cobble::api
