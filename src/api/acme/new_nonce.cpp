#include "api/acme/handlers.hpp"

namespace cobble::api {

// RFC 8555 §7.2: HEAD → 200, GET (and POST-as-GET) → 204. The fresh nonce and Cache-Control:
// no-store are added where every ACME reply gets its headers (acme_api.cpp, the route's row).
acme::Result<Reply> new_nonce(Context& ctx, Services&) {
  Reply reply;
  reply.status = ctx.request.method == "HEAD" ? 200 : 204;
  return reply;
}

}  // namespace cobble::api
