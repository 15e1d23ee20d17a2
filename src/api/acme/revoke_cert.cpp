#include "api/acme/handlers.hpp"
#include "api/acme/payload.hpp"

namespace cobble::api {

// §7.6: signed by the issuing account (kid) or by the certificate's key (jwk).
acme::Result<Reply> revoke_cert(Context&, Services& services, SignedRequest req) {
  auto der = payload::base64url_member(req.payload, "certificate");
  if (!der) return acme::fail(der.error());
  int reason = 0;
  if (req.payload.contains("reason")) {
    const auto& r = req.payload["reason"];
    if (!r.is_number_integer()) return acme::fail(acme::Problem::malformed("\"reason\" must be an integer"));
    auto value = r.get<long long>();
    reason = value < 0 || value > 1000 ? -1 : static_cast<int>(value);
  }
  auto by = req.account ? authority::Certificates::Revoker(std::move(*req.account))
                        : authority::Certificates::Revoker(std::move(req.key));
  auto revoked = services.certificates.revoke(by, *der, reason);
  if (!revoked) return acme::fail(revoked.error());
  Reply reply;
  return reply;
}

}  // namespace cobble::api
