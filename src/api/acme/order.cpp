#include "api/acme/handlers.hpp"
#include "api/acme/payload.hpp"
#include "api/acme/render.hpp"

namespace cobble::api {

// §7.4: POST-as-GET an order; POST {csr} to <order>/finalize.
acme::Result<Reply> order(Context& ctx, Services& services, SignedRequest req) {
  std::string id(ctx.id);
  bool finalize = id.ends_with("/finalize");
  if (finalize) id.resize(id.size() - 9);

  acme::Result<authority::OrderView> view;
  if (finalize) {
    auto csr = payload::base64url_member(req.payload, "csr");
    if (!csr) return acme::fail(csr.error());
    view = services.orders.finalize(*req.account, req.key, id, *csr);
  } else {
    view = services.orders.find(*req.account, id);
  }
  if (!view) return acme::fail(view.error());
  auto reply = json_reply(render_order(*view, ctx.urls));
  if (finalize) reply.with_header("Location", ctx.urls.order(id));
  if (view->status == acme::OrderStatus::processing && services.policy.retry_after_seconds > 0) {
    reply.with_header("Retry-After", std::to_string(services.policy.retry_after_seconds));
  }
  return reply;
}

}  // namespace cobble::api
