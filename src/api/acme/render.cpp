#include "api/acme/render.hpp"

#include "common/clock.hpp"

namespace cobble::api {
namespace {

nlohmann::json identifier_json(const storage::IdentifierRecord& id) {
  return {{"type", id.type}, {"value", id.value}};
}

// Stored problem documents are JSON text; an unparsable one is shown as a generic error.
nlohmann::json stored_problem(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) return {{"type", "urn:ietf:params:acme:error:serverInternal"}, {"detail", text}};
  return j;
}

}  // namespace

nlohmann::json render_account(const authority::Account& account, const Urls& urls) {
  nlohmann::json j = {{"status", acme::to_string(account.status)},
                      {"contact", account.contacts},
                      {"orders", urls.account_orders(account.id)},
                      {"createdAt", common::to_rfc3339(account.created_at)}};
  auto key = nlohmann::json::parse(account.jwk, nullptr, false);
  if (!key.is_discarded()) j["key"] = key;
  // RFC 8555 §7.3.4: the account of a verified binding includes it as the client sent it.
  if (!account.eab_binding.empty()) {
    auto binding = nlohmann::json::parse(account.eab_binding, nullptr, false);
    if (!binding.is_discarded()) j["externalAccountBinding"] = binding;
  }
  return j;
}

nlohmann::json render_order(const authority::OrderView& view, const Urls& urls) {
  const auto& order = view.order;
  nlohmann::json j = {{"status", acme::to_string(view.status)},
                      {"expires", common::to_rfc3339(order.expires)},
                      {"identifiers", nlohmann::json::array()},
                      {"authorizations", nlohmann::json::array()},
                      {"finalize", urls.finalize(order.id)}};
  for (const auto& id : order.identifiers) j["identifiers"].push_back(identifier_json(id));
  for (const auto& id : order.authz_ids) j["authorizations"].push_back(urls.authz(id));
  if (order.not_before) j["notBefore"] = common::to_rfc3339(*order.not_before);
  if (order.not_after) j["notAfter"] = common::to_rfc3339(*order.not_after);
  if (!order.profile.empty()) j["profile"] = order.profile;
  if (!order.replaces.empty()) j["replaces"] = order.replaces;
  if (view.status == acme::OrderStatus::valid && !order.certificate_serial.empty()) {
    j["certificate"] = urls.certificate(order.certificate_serial);
  }
  if (view.status == acme::OrderStatus::invalid) {
    j["error"] = order.error.empty()
                     ? nlohmann::json{{"type", "urn:ietf:params:acme:error:malformed"},
                                      {"detail", "The order expired or an authorization failed"},
                                      {"status", 403}}
                     : stored_problem(order.error);
  }
  return j;
}

ChallengeExtras challenge_extras(const authority::Authorization& authz, const Urls& urls,
                                 const authority::Policy& policy) {
  return {urls.account(authz.account_id), policy.issuer_domain_names};
}

nlohmann::json render_challenge(const authority::Challenge& c, const Urls& urls,
                                const ChallengeExtras& extras) {
  nlohmann::json j = {{"type", c.type}, {"url", urls.challenge(c.id)}, {"status", acme::to_string(c.status)}};
  if (c.type == "dns-persist-01") {
    j["accounturi"] = extras.account_url;
    j["issuer-domain-names"] = extras.issuer_domain_names;
  } else {
    j["token"] = c.token;
  }
  if (c.validated_at) j["validated"] = common::to_rfc3339(*c.validated_at);
  if (!c.error.empty()) j["error"] = stored_problem(c.error);
  return j;
}

nlohmann::json render_authz(const authority::AuthzView& view, const Urls& urls,
                            const ChallengeExtras& extras) {
  const auto& a = view.authz;
  nlohmann::json j = {{"identifier", identifier_json(a.identifier)},
                      {"status", acme::to_string(view.status)},
                      {"expires", common::to_rfc3339(a.expires)},
                      {"challenges", nlohmann::json::array()}};
  if (a.wildcard) j["wildcard"] = true;
  for (const auto& c : a.challenges) {
    // §7.1.4: a valid authorization lists the challenge that validated it.
    if (view.status == acme::AuthzStatus::valid && c.status != acme::ChallengeStatus::valid) continue;
    j["challenges"].push_back(render_challenge(c, urls, extras));
  }
  return j;
}

}  // namespace cobble::api
