#include "api/handlers.hpp"
#include "api/serve.hpp"

namespace cobble::api {

// §7.4.2: POST-as-GET returns the chain as application/pem-certificate-chain. Certificates are
// public, so any account may fetch any of them.
acme::Result<Reply> certificate(Context& ctx, Services& services) {
  auto req = authenticate(ctx, services, Signer::kid);
  if (!req) return acme::fail(req.error());
  auto cert = services.certificates.find(std::string(ctx.id));
  if (!cert) return acme::fail(cert.error());
  Reply reply;
  reply.content_type = "application/pem-certificate-chain";
  reply.body = cert->chain_pem;
  reply.log_account = std::to_string(req->account->id);
  return reply;
}

}  // namespace cobble::api
