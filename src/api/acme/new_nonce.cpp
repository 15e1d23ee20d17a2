#include "api/acme/handlers.hpp"

namespace cobble::api {

// RFC 8555 §7.2: HEAD → 200, GET (and POST-as-GET) → 204, always a fresh nonce, never cached.
acme::Result<Reply> new_nonce(Context& ctx, Services& services) {
  Reply reply;
  reply.status = ctx.request.method == "HEAD" ? 200 : 204;
  reply.with_header("Replay-Nonce", services.nonces.issue());
  reply.with_header("Cache-Control", "no-store");
  return reply;
}

}  // namespace cobble::api
