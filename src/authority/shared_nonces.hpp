#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "acme/nonce.hpp"
#include "common/clock.hpp"
#include "storage/store.hpp"

namespace cobble::authority {

// Nonces any instance of a deployment accepts (issue #16). A nonce carries the time it was issued
// and an HMAC over that time and 8 random bytes, under a key every instance holds, so any instance
// can tell it is genuine and fresh without asking the one that issued it; the database records each
// nonce redeemed until it expires (Store::redeem_nonce, insert-once), so it is accepted exactly
// once, by whichever instance sees it first.
// Cost: issuing is a random draw and an HMAC, no I/O; redeeming is an HMAC and one INSERT. Boulder
// instead routes a nonce back to the instance that issued it (its prefix names it): no write, but
// an RPC between instances, which Cobble has not got.
// A nonce older than `lifetime` gets badNonce (the client retries with the fresh one that error
// carries, RFC 8555 §6.5); when the database cannot record it, the answer is `unavailable` (the
// request is refused with 503 and Retry-After, never let through).
class SharedNonces final : public acme::Nonces {
 public:
  // `secret`: the deployment's shared secret (the unpause key); the nonce key is derived from it.
  // `clock`: real time (never a fake ACME clock: instances must agree on a nonce's age).
  SharedNonces(storage::Store& store, const common::Clock& clock, std::string_view secret,
               std::chrono::seconds lifetime = std::chrono::minutes(10));

  std::string issue() override;
  Redemption redeem(std::string_view nonce) override;

 private:
  std::string mac(std::string_view data) const;

  storage::Store& store_;
  const common::Clock& clock_;
  std::string key_;
  std::chrono::seconds lifetime_;
};

}  // namespace cobble::authority
