#pragma once

#include "api/acme/services.hpp"
#include "api/router.hpp"

// One handler per ACME resource, each in its own file, named for the RFC resource. Every POST
// handler starts with api::authenticate (serve.hpp); none repeats its checks.
namespace cobble::api {

acme::Result<Reply> directory(Context& ctx, Services& services);     // RFC 8555 §7.1.1
acme::Result<Reply> new_nonce(Context& ctx, Services& services);     // §7.2
acme::Result<Reply> new_account(Context& ctx, Services& services);   // §7.3
acme::Result<Reply> account(Context& ctx, Services& services);       // §7.3.2, §7.3.6, §7.1.2.1 (orders)
acme::Result<Reply> key_change(Context& ctx, Services& services);    // §7.3.5
acme::Result<Reply> new_order(Context& ctx, Services& services);     // §7.4
acme::Result<Reply> order(Context& ctx, Services& services);         // §7.4 (order, finalize)
acme::Result<Reply> authz(Context& ctx, Services& services);         // §7.5, §7.5.2
acme::Result<Reply> challenge(Context& ctx, Services& services);     // §7.5.1
acme::Result<Reply> certificate(Context& ctx, Services& services);   // §7.4.2
acme::Result<Reply> revoke_cert(Context& ctx, Services& services);   // §7.6
acme::Result<Reply> renewal_info(Context& ctx, Services& services);  // RFC 9773 §4
acme::Result<Reply> crl(Context& ctx, Services& services);           // RFC 5280 §5 (GET /crl/0)

}  // namespace cobble::api
