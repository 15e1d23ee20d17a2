#include <algorithm>

#include "api/acme/handlers.hpp"
#include "api/acme/payload.hpp"
#include "api/acme/render.hpp"

namespace cobble::api {

// §7.5: POST-as-GET an authorization; §7.5.2: POST {"status": "deactivated"}.
acme::Result<Reply> authz(Context& ctx, Services& services, SignedRequest req) {
  std::string id(ctx.id);
  auto status = payload::string_member(req.payload, "status");
  if (!status) return acme::fail(status.error());
  acme::Result<authority::AuthzView> view;
  if (*status) {
    if (acme::parse_authz_status(**status) != acme::AuthzStatus::deactivated) {
      return acme::fail(
          acme::Problem::malformed("An authorization's status can only be set to \"deactivated\""));
    }
    view = services.challenges.deactivate_authz(*req.account, id);
  } else {
    view = services.challenges.find_authz(*req.account, id);
  }
  if (!view) return acme::fail(view.error());
  auto reply =
      json_reply(render_authz(*view, ctx.urls, challenge_extras(view->authz, ctx.urls, services.policy)));
  bool processing = std::any_of(view->authz.challenges.begin(), view->authz.challenges.end(),
                                [](const auto& c) { return c.status == acme::ChallengeStatus::processing; });
  if (processing && services.policy.retry_after_authz_seconds > 0) {
    reply.with_header("Retry-After", std::to_string(services.policy.retry_after_authz_seconds));
  }
  return reply;
}

}  // namespace cobble::api
