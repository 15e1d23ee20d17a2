#include "acme/status_rules.hpp"

namespace cobble::acme {

AuthzStatus effective_authz_status(AuthzStatus stored, common::TimePoint expires, common::TimePoint now) {
  if ((stored == AuthzStatus::pending || stored == AuthzStatus::valid) && now >= expires)
    return AuthzStatus::expired;
  return stored;
}

OrderStatus effective_order_status(OrderStatus stored, common::TimePoint expires, common::TimePoint now,
                                   const std::vector<AuthzStatus>& authzs) {
  if (stored != OrderStatus::pending && stored != OrderStatus::ready) return stored;
  if (now >= expires) return OrderStatus::invalid;
  bool all_valid = true;
  for (auto s : authzs) {
    if (s == AuthzStatus::invalid || s == AuthzStatus::deactivated || s == AuthzStatus::expired ||
        s == AuthzStatus::revoked) {
      return OrderStatus::invalid;
    }
    if (s != AuthzStatus::valid) all_valid = false;
  }
  return all_valid && !authzs.empty() ? OrderStatus::ready : OrderStatus::pending;
}

bool challenge_can_start(ChallengeStatus challenge, AuthzStatus authz) {
  return challenge == ChallengeStatus::pending && authz == AuthzStatus::pending;
}

bool authz_can_deactivate(AuthzStatus authz) {
  return authz == AuthzStatus::pending || authz == AuthzStatus::valid;
}

}  // namespace cobble::acme
