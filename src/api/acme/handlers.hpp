#pragma once

#include "api/acme/serve.hpp"
#include "api/acme/services.hpp"
#include "api/router.hpp"

// One handler per ACME resource, each in its own file, named for the RFC resource. The route table
// (acme_api.cpp) says how each POST is authenticated; handlers of signed POSTs receive the checked
// request (serve.hpp) and never repeat those checks.
namespace cobble::api {

// GET and HEAD, and the POSTs that carry no JWS to check.
acme::Result<Reply> directory(Context& ctx, Services& services);     // RFC 8555 §7.1.1
acme::Result<Reply> new_nonce(Context& ctx, Services& services);     // §7.2
acme::Result<Reply> renewal_info(Context& ctx, Services& services);  // RFC 9773 §4
acme::Result<Reply> crl(Context& ctx, Services& services);           // RFC 5280 §5 (GET /crl/0)

// Signed POSTs.
acme::Result<Reply> new_account(Context& ctx, Services& services, SignedRequest req);  // §7.3
acme::Result<Reply> account(Context& ctx, Services& services, SignedRequest req);  // §7.3.2, §7.3.6, §7.1.2.1
acme::Result<Reply> key_change(Context& ctx, Services& services, SignedRequest req);  // §7.3.5
acme::Result<Reply> new_order(Context& ctx, Services& services, SignedRequest req);   // §7.4
acme::Result<Reply> order(Context& ctx, Services& services, SignedRequest req);  // §7.4 (order, finalize)
acme::Result<Reply> authz(Context& ctx, Services& services, SignedRequest req);  // §7.5, §7.5.2
acme::Result<Reply> challenge(Context& ctx, Services& services, SignedRequest req);          // §7.5.1
acme::Result<Reply> certificate(Context& ctx, Services& services, SignedRequest req);        // §7.4.2
acme::Result<Reply> revoke_cert(Context& ctx, Services& services, SignedRequest req);        // §7.6
acme::Result<Reply> renewal_info_post(Context& ctx, Services& services, SignedRequest req);  // RFC 9773 §4

}  // namespace cobble::api
