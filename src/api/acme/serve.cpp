#include "api/acme/serve.hpp"

#include <charconv>

#include "acme/json_text.hpp"

namespace cobble::api {
namespace {

using acme::Problem;
using acme::ProblemType;

// kid is the account URL (§7.3); returns its id, or nullopt when it is not one of ours.
std::optional<std::int64_t> account_id_from_kid(const std::string& kid, const Urls& urls) {
  auto prefix = urls.base() + paths::kAccount;
  if (!kid.starts_with(prefix)) return std::nullopt;
  std::string_view digits = std::string_view(kid).substr(prefix.size());
  std::int64_t id = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
  if (ec != std::errc() || end != digits.data() + digits.size() || id <= 0) return std::nullopt;
  return id;
}

// As the other answers to a database outage (authority's Retry-After for 503).
constexpr int kNonceRetryAfterSeconds = 5;

}  // namespace

acme::Result<SignedRequest> authenticate(const Context& ctx, Services& services, Auth auth) {
  auto jws = acme::parse_jws(ctx.request.body);
  if (!jws) return acme::fail(jws.error());

  // RFC 8555 §6.5: the nonce is consumed whether or not the rest of the request is good.
  switch (services.nonces.redeem(jws->nonce)) {
    case acme::Nonces::Redemption::accepted:
      break;
    case acme::Nonces::Redemption::refused:
      return acme::fail(
          Problem::bad_nonce("JWS has an invalid or already used anti-replay nonce: \"" + jws->nonce + "\""));
    case acme::Nonces::Redemption::unavailable:
      return acme::fail(Problem::unavailable(
          "The nonce could not be checked: the database is unavailable; retry in a few seconds",
          kNonceRetryAfterSeconds));
  }
  // Pebble's PEBBLE_WFE_NONCEREJECT: refuse a share of good nonces, so clients prove they retry.
  if (services.chaos && services.chaos->reject_nonce()) {
    return acme::fail(Problem::bad_nonce("JWS has an invalid anti-replay nonce: \"" + jws->nonce +
                                         "\" (refused at random, as configured by nonceRejectPercent)"));
  }
  // RFC 8555 §6.4: "url" must equal the request URL.
  auto request_url =
      ctx.urls.base() + ctx.request.path + (ctx.request.query.empty() ? "" : "?" + ctx.request.query);
  if (jws->url != request_url) {
    return acme::fail(Problem::unauthorized("JWS header \"url\" is \"" + jws->url +
                                            "\" but the request was to \"" + request_url + "\""));
  }

  std::optional<authority::Account> account;
  std::optional<acme::PublicKey> key;
  if (jws->jwk) {
    if (auth == Auth::kid) {
      return acme::fail(
          Problem::malformed("This resource needs a JWS signed with an account's \"kid\", not a \"jwk\""));
    }
    auto parsed = acme::PublicKey::from_jwk(*jws->jwk, services.policy.key_policy.account);
    if (!parsed) return acme::fail(parsed.error());
    key = *parsed;
  } else {
    if (auth == Auth::jwk) {
      return acme::fail(Problem::malformed("This resource needs a JWS with a \"jwk\" header, not a \"kid\""));
    }
    auto id = account_id_from_kid(jws->kid, ctx.urls);
    if (!id) {
      return acme::fail(Problem::make(ProblemType::account_does_not_exist,
                                      "\"kid\" \"" + jws->kid + "\" is not an account URL of this server"));
    }
    auto found = services.accounts.find(*id);
    if (!found) return acme::fail(found.error());
    if (found->status != acme::AccountStatus::valid) {
      return acme::fail(Problem::unauthorized("Account " + std::to_string(*id) + " is " +
                                              std::string(acme::to_string(found->status))));
    }
    auto parsed = services.accounts.key_of(*found);
    if (!parsed) return acme::fail(parsed.error());
    key = *parsed;
    account = std::move(*found);
  }
  if (auto ok = acme::verify_jws(*jws, *key); !ok) return acme::fail(ok.error());

  nlohmann::json payload;
  if (!jws->payload.empty()) {
    payload = nlohmann::json::parse(jws->payload, nullptr, false);
    if (payload.is_discarded() || !payload.is_object()) {
      return acme::fail(Problem::malformed("The JWS payload must be a JSON object"));
    }
  }
  return SignedRequest{std::move(*jws), std::move(*key), std::move(account), std::move(payload)};
}

}  // namespace cobble::api
