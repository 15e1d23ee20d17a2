#include <charconv>

#include "api/acme/handlers.hpp"

namespace cobble::api {

// §7.4.2: POST-as-GET returns the chain as application/pem-certificate-chain, with a
// Link rel="alternate" to every other chain. Certificates are public, so any account may fetch any.
acme::Result<Reply> certificate(Context& ctx, Services& services, SignedRequest) {
  // "{serial}" or "{serial}/{n}": alternate chain n (RFC 8555 §7.4.2).
  auto slash = ctx.id.find('/');
  std::string serial(ctx.id.substr(0, slash));
  std::size_t chain = 0;
  if (slash != std::string_view::npos) {
    auto digits = ctx.id.substr(slash + 1);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), chain);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size())
      return acme::fail(acme::Problem::not_found("No such certificate chain: " + std::string(ctx.id)));
  }
  auto cert = services.certificates.find(serial);
  if (!cert) return acme::fail(cert.error());
  // Boulder keeps serving a revoked certificate; Pebble forgets it (404), and Pebble mode does too.
  if (cert->revoked_at && !services.policy.serve_revoked_certificates) {
    return acme::fail(acme::Problem::not_found("Certificate " + serial + " is revoked and no longer served"));
  }
  auto pem = services.certificates.chain_pem(*cert, chain);
  if (!pem) return acme::fail(pem.error());
  Reply reply;
  reply.content_type = "application/pem-certificate-chain";
  reply.body = std::move(*pem);
  for (std::size_t n = 1; n < services.certificates.chain_count(); ++n) {
    if (n == chain) continue;
    reply.with_header("Link",
                      "<" + ctx.urls.certificate(serial) + "/" + std::to_string(n) + ">;rel=\"alternate\"");
  }
  if (chain != 0) reply.with_header("Link", "<" + ctx.urls.certificate(serial) + ">;rel=\"alternate\"");
  return reply;
}

}  // namespace cobble::api
