#pragma once

#include <nlohmann/json.hpp>
#include <optional>

#include "acme/jws.hpp"
#include "api/acme/services.hpp"
#include "api/json_reply.hpp"
#include "api/router.hpp"

namespace cobble::api {

// How a route's POST is authenticated (RFC 8555 §6.2), a column of the route table: newAccount
// is signed with a "jwk", revocation with either, everything else with an account's "kid"; `none`
// for the resources whose POST carries nothing to check (directory, newNonce).
enum class Auth { none, kid, jwk, jwk_or_kid };

// A verified ACME POST.
struct SignedRequest {
  acme::Jws jws;
  acme::PublicKey key;
  std::optional<authority::Account> account;  // set when signed with a kid
  nlohmann::json payload;                     // parsed payload; null for POST-as-GET

  bool post_as_get() const { return jws.payload.empty(); }
};

// The one check every ACME POST goes through, in RFC 8555 order: JWS shape and algorithm (§6.2),
// the nonce (§6.5, consumed), "url" equal to the request URL (§6.4), jwk vs kid for this resource,
// the account behind the kid (accountDoesNotExist; unauthorized when deactivated), the signature,
// and a JSON object payload. The ACME router runs it for every POST whose route has an `auth`.
acme::Result<SignedRequest> authenticate(const Context& ctx, Services& services, Auth auth);

}  // namespace cobble::api
