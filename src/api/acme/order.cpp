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
  // The certificate is issued and stored before this reply either way (nothing is lost); a CA that
  // issues in the background answers processing, and the client must poll the order for it.
  if (finalize && view->status == acme::OrderStatus::valid && services.policy.finalize_answers_processing)
    view->status = acme::OrderStatus::processing;
  auto reply = json_reply(render_order(*view, ctx.urls));
  if (finalize) reply.with_header("Location", ctx.urls.order(id));
  if (view->status == acme::OrderStatus::processing && services.policy.retry_after_seconds > 0) {
    reply.with_header("Retry-After", std::to_string(services.policy.retry_after_seconds));
  }
  return reply;
}

}  // namespace cobble::api
