#include "api/acme/handlers.hpp"
#include "api/acme/render.hpp"
#include "common/log.hpp"

namespace cobble::api {

// §7.5.1: POST {} starts validation and answers at once; POST-as-GET reads the challenge.
acme::Result<Reply> challenge(Context& ctx, Services& services, SignedRequest req) {
  std::string id(ctx.id);
  auto view = req.post_as_get()
                  ? services.challenges.find_challenge(*req.account, id)
                  : services.challenges.respond(*req.account, id, ctx.urls.account(req.account->id));
  if (!view) return acme::fail(view.error());
  if (!req.post_as_get()) {
    const auto& authz = view->authz.authz;
    auto status = acme::to_string(view->challenge.status);
    common::log_event(spdlog::level::info, "challenge_answered",
                      {{"account", req.account->id},
                       {"identifier", authz.identifier.value},
                       {"challenge", id},
                       {"method", view->challenge.type},
                       {"status", status},
                       {"request_id", ctx.request.request_id}},
                      "challenge {} ({} of {}) answered by account {}: {}", id, view->challenge.type,
                      authz.identifier.value, req.account->id, status);
  }
  auto reply = json_reply(render_challenge(view->challenge, ctx.urls,
                                           challenge_extras(view->authz.authz, ctx.urls, services.policy)));
  reply.with_header("Link", "<" + ctx.urls.authz(view->authz.authz.id) + ">;rel=\"up\"");
  if (view->challenge.status == acme::ChallengeStatus::processing &&
      services.policy.retry_after_authz_seconds > 0) {
    reply.with_header("Retry-After", std::to_string(services.policy.retry_after_authz_seconds));
  }
  return reply;
}

}  // namespace cobble::api
