#include "api/acme/handlers.hpp"
#include "api/acme/render.hpp"

namespace cobble::api {

// RFC 8555 §7.3.5: the payload is a JWS signed by the new key over {account, oldKey}.
acme::Result<Reply> key_change(Context& ctx, Services& services, SignedRequest req) {
  using acme::Problem;
  auto inner = acme::parse_jws(req.jws.payload, /*require_nonce=*/false);
  if (!inner) return acme::fail(Problem::malformed("The inner JWS is invalid: " + inner.error().detail));
  if (!inner->jwk) return acme::fail(Problem::malformed("The inner JWS must carry the new key as \"jwk\""));
  if (!inner->nonce.empty() || inner->protected_header.contains("nonce")) {
    return acme::fail(Problem::malformed("The inner JWS must not carry a nonce"));
  }
  if (inner->url != req.jws.url)
    return acme::fail(Problem::malformed("The inner JWS \"url\" differs from the outer"));
  auto new_key = acme::PublicKey::from_jwk(*inner->jwk, services.policy.key_policy.account);
  if (!new_key) return acme::fail(new_key.error());
  if (auto ok = acme::verify_jws(*inner, *new_key); !ok) {
    return acme::fail(Problem::malformed("The inner JWS is not signed by the new key"));
  }
  auto body = nlohmann::json::parse(inner->payload, nullptr, false);
  if (body.is_discarded() || !body.is_object() || !body.contains("account") || !body["account"].is_string() ||
      !body.contains("oldKey") || !body["oldKey"].is_object()) {
    return acme::fail(Problem::malformed("The inner payload must be {\"account\": URL, \"oldKey\": JWK}"));
  }
  if (body["account"] != req.jws.kid)
    return acme::fail(Problem::unauthorized("\"account\" differs from the outer kid"));
  auto old_key = acme::PublicKey::from_jwk(body["oldKey"], common::every_key_rules());
  if (!old_key || old_key->thumbprint() != req.key.thumbprint()) {
    return acme::fail(Problem::unauthorized("\"oldKey\" is not the account's current key"));
  }
  auto changed = services.accounts.change_key(*req.account, *new_key);
  if (!changed) {
    auto problem = changed.error();
    if (problem.status == 409 && !problem.instance.empty()) {
      problem.with_header("Location", ctx.urls.account(std::stoll(problem.instance)));
      problem.instance.clear();
    }
    return acme::fail(problem);
  }
  Reply reply = json_reply(render_account(*changed, ctx.urls));
  return reply;
}

}  // namespace cobble::api
