#pragma once

#include <nlohmann/json.hpp>

#include "api/urls.hpp"
#include "authority/challenges.hpp"
#include "authority/orders.hpp"

// ACME resources as JSON (RFC 8555 §7.1.2–§7.1.5).
namespace cobble::api {

nlohmann::json render_account(const authority::Account& account, const Urls& urls);
nlohmann::json render_order(const authority::OrderView& order, const Urls& urls);
// What a dns-persist-01 challenge shows besides RFC 8555's members (draft-ietf-acme-dns-persist
// §3: "issuer-domain-names" and, as Pebble shows, "accounturi"); it has no token.
struct ChallengeExtras {
  std::string account_url;
  std::vector<std::string> issuer_domain_names;
};
ChallengeExtras challenge_extras(const authority::Authorization& authz, const Urls& urls,
                                 const authority::Policy& policy);

nlohmann::json render_authz(const authority::AuthzView& authz, const Urls& urls,
                            const ChallengeExtras& extras = {});
nlohmann::json render_challenge(const authority::Challenge& challenge, const Urls& urls,
                                const ChallengeExtras& extras = {});

}  // namespace cobble::api
