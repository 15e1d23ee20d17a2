#include <nlohmann/json.hpp>

#include "acme/json_text.hpp"
#include "api/acme/handlers.hpp"
#include "authority/profiles.hpp"
#include "common/base64url.hpp"
#include "common/random.hpp"

namespace cobble::api {

// RFC 8555 §7.1.1. POST-as-GET is accepted too (some clients post to every URL).
acme::Result<Reply> directory(Context& ctx, Services& services) {
  const auto& meta = services.meta;
  nlohmann::json body = {
      {"newNonce", ctx.urls.new_nonce()},   {"newAccount", ctx.urls.new_account()},
      {"newOrder", ctx.urls.new_order()},   {"revokeCert", ctx.urls.revoke_cert()},
      {"keyChange", ctx.urls.key_change()},
  };
  if (services.renewal_info) body["renewalInfo"] = ctx.urls.renewal_info();
  if (meta.random_entry) {
    body[common::base64url_encode(common::random_bytes(8))] =
        "https://community.letsencrypt.org/t/adding-random-entries-to-the-directory/33417";
  }
  nlohmann::json meta_json = nlohmann::json::object();
  // draft-ietf-acme-profiles §3: name → human-readable description.
  nlohmann::json profiles = nlohmann::json::object();
  for (const auto& p : authority::offered_profiles(services.policy)) profiles[p.name] = p.description;
  meta_json["profiles"] = profiles;
  if (!meta.terms_of_service.empty()) meta_json["termsOfService"] = meta.terms_of_service;
  if (!meta.website.empty()) meta_json["website"] = meta.website;
  if (!meta.caa_identities.empty()) meta_json["caaIdentities"] = meta.caa_identities;
  meta_json["externalAccountRequired"] = meta.external_account_required;
  body["meta"] = meta_json;

  Reply reply;
  reply.content_type = "application/json";
  reply.body = acme::json_text(body, 2);
  return reply;
}

}  // namespace cobble::api
