#include "api/acme/handlers.hpp"
#include "common/random.hpp"

namespace cobble::api {

// RFC 9773 §4.1: GET <renewalInfo>/<certID> (unauthenticated). Answers the RenewalInfo object with
// Retry-After (§4.3).
acme::Result<Reply> renewal_info(Context& ctx, Services& services) {
  if (!services.renewal_info) return acme::fail(acme::Problem::not_found("Renewal information is off"));
  auto body = services.renewal_info->lookup(ctx.id);
  if (!body) return acme::fail(body.error());
  Reply reply;
  reply.content_type = "application/json";
  reply.body = *body;
  auto wait = authority::renewal_info_retry_after(services.policy.renewal_info_retry_jitter_percent,
                                                  common::random_unit());
  reply.with_header("Retry-After", std::to_string(wait));
  return reply;
}

// The same as POST-as-GET, for clients that POST everything.
acme::Result<Reply> renewal_info_post(Context& ctx, Services& services, SignedRequest req) {
  if (!req.post_as_get()) {
    return acme::fail(acme::Problem::malformed("Renewal information is fetched with GET or POST-as-GET"));
  }
  return renewal_info(ctx, services);
}

// The intermediates' CRLs, DER, as RFC 5280 §4.2.1.13 distribution points serve them: /crl/0
// (all), and a shard as /crl/<k>.crl (the URL certificates name) or /crl/<k>; with several
// intermediates, each under its own name: /crl/<issuer>/0, /crl/<issuer>/<k>.crl.
acme::Result<Reply> crl(Context& ctx, Services& services) {
  std::string_view id = ctx.id;
  std::string issuer;
  if (auto slash = id.find('/'); slash != std::string_view::npos) {
    issuer = id.substr(0, slash);
    id.remove_prefix(slash + 1);
  }
  if (id.ends_with(".crl")) id.remove_suffix(4);
  int shard = -1;
  bool number = !id.empty() && id.size() <= 4 && id.find_first_not_of("0123456789") == std::string_view::npos;
  if (number) shard = std::stoi(std::string(id));
  if (!services.crl || !number) {
    return acme::fail(acme::Problem::not_found("There is no CRL " + std::string(ctx.id) + "; try /crl/0"));
  }
  auto der = services.crl->current(issuer, shard);
  if (!der) return acme::fail(der.error());
  Reply reply;
  reply.content_type = "application/pkix-crl";
  reply.body = *der;
  return reply;
}

}  // namespace cobble::api
