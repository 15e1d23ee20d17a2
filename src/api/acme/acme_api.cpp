#include "api/acme/acme_api.hpp"

#include <spdlog/spdlog.h>

#include <exception>

#include "api/acme/handlers.hpp"
#include "api/portal/portal.hpp"
#include "common/text.hpp"

namespace cobble::api {
namespace {

constexpr Route<Services> kAcmeRoutes[] = {
    // path                   prefix  methods        index  handler
    {paths::kDirectory, false, kGet | kPost, false, directory},
    {paths::kDirectoryAlias, false, kGet | kPost, false, directory},
    {paths::kNewNonce, false, kGet | kPost, true, new_nonce},
    {paths::kNewAccount, false, kPost, true, new_account},
    {paths::kAccount, true, kPost, true, account},
    {paths::kKeyChange, false, kPost, true, key_change},
    {paths::kNewOrder, false, kPost, true, new_order},
    {paths::kOrder, true, kPost, true, order},
    {paths::kAuthz, true, kPost, true, authz},
    {paths::kChallenge, true, kPost, true, challenge},
    {paths::kCertificate, true, kPost, true, certificate},
    {paths::kRevokeCert, false, kPost, true, revoke_cert},
    {paths::kRenewalInfoPrefix, true, kGet | kPost, true, renewal_info},
    {paths::kCrl, true, kGet, false, crl},
};

// The ACME API's exception boundary: an escaped exception is a bug, never the client's fault, and
// it still gets a problem document with its nonce and index link, like every other ACME reply.
Reply dispatch_guarded(const Request& request, Services& services) {
  try {
    return dispatch<Services>(kAcmeRoutes, request, services, PostBody::jose);
  } catch (const std::exception& e) {
    spdlog::error("acme: {} {} failed inside the server: {}", request.method, common::printable(request.path),
                  e.what());
  }
  auto reply = problem_reply(acme::Problem::server_internal("The server hit an internal error"));
  detail::finish(request, Urls(request.base_url), true, true, reply);
  return reply;
}

}  // namespace

Reply handle_acme(const Request& request, Services& services) {
  // The unpause portal's pages share the listener (and its certificate) but none of ACME's rules.
  if (request.path.starts_with(kPortalPrefix)) return handle_portal(request, services.pauses);
  ChaosDecision chaos;
  if (services.chaos) {
    if (auto endpoint = chaos_endpoint(request))
      chaos = services.chaos->decide(*endpoint, request.method == "POST");
  }
  Reply reply;
  if (chaos.fault) {
    reply = problem_reply(*chaos.fault);
    detail::finish(request, Urls(request.base_url), true, true, reply);
  } else {
    reply = dispatch_guarded(request, services);
  }
  reply.delay = chaos.delay;
  // RFC 8555 §6.5: a fresh nonce on every response to a POST, errors included (badNonce needs it).
  if (request.method == "POST" && reply.header("Replay-Nonce").empty()) {
    reply.with_header("Replay-Nonce", services.nonces.issue());
  }
  return reply;
}

}  // namespace cobble::api
