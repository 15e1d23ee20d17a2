#pragma once

#include <vector>

#include "acme/types.hpp"
#include "common/clock.hpp"

namespace cobble::acme {

// RFC 8555 §7.1.6, in one pure place. Stored statuses are what the database holds; the statuses
// a client sees also depend on time and on the authorizations.

// An authorization that is pending or valid past its expiry is "expired".
AuthzStatus effective_authz_status(AuthzStatus stored, common::TimePoint expires, common::TimePoint now);

// The order's status from its stored (finalization) status, expiry and its authorizations'
// effective statuses:
//   stored processing/valid/invalid → that status;
//   expired, or any authorization invalid, deactivated, expired or revoked → invalid;
//   all authorizations valid → ready; otherwise pending.
OrderStatus effective_order_status(OrderStatus stored, common::TimePoint expires, common::TimePoint now,
                                   const std::vector<AuthzStatus>& authzs);

// Whether a challenge may be started (§7.5.1: only a pending challenge of a pending authorization).
bool challenge_can_start(ChallengeStatus challenge, AuthzStatus authz);

// Whether a client may deactivate an authorization (§7.5.2: pending or valid).
bool authz_can_deactivate(AuthzStatus authz);

}  // namespace cobble::acme
