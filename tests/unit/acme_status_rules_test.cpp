#include <catch2/catch.hpp>

#include "acme/status_rules.hpp"

using namespace cobble::acme;
using namespace std::chrono_literals;

TEST_CASE("order status follows RFC 8555 §7.1.6", "[acme]") {
  auto now = std::chrono::system_clock::now();
  auto later = now + 1h;
  using A = AuthzStatus;
  using O = OrderStatus;
  CHECK(effective_order_status(O::pending, later, now, {A::pending, A::valid}) == O::pending);
  CHECK(effective_order_status(O::pending, later, now, {A::valid, A::valid}) == O::ready);
  CHECK(effective_order_status(O::pending, later, now, {A::valid, A::invalid}) == O::invalid);
  CHECK(effective_order_status(O::pending, later, now, {A::deactivated}) == O::invalid);
  CHECK(effective_order_status(O::pending, later, now, {A::expired, A::valid}) == O::invalid);
  CHECK(effective_order_status(O::pending, now - 1s, now, {A::valid}) == O::invalid);
  CHECK(effective_order_status(O::processing, later, now, {A::valid}) == O::processing);
  CHECK(effective_order_status(O::valid, now - 1s, now, {A::valid}) == O::valid);
  CHECK(effective_order_status(O::invalid, later, now, {A::valid}) == O::invalid);
}

TEST_CASE("pending and valid authorizations expire; final states do not", "[acme]") {
  auto now = std::chrono::system_clock::now();
  CHECK(effective_authz_status(AuthzStatus::pending, now, now) == AuthzStatus::expired);
  CHECK(effective_authz_status(AuthzStatus::valid, now - 1s, now) == AuthzStatus::expired);
  CHECK(effective_authz_status(AuthzStatus::valid, now + 1s, now) == AuthzStatus::valid);
  CHECK(effective_authz_status(AuthzStatus::invalid, now - 1s, now) == AuthzStatus::invalid);
  CHECK(effective_authz_status(AuthzStatus::deactivated, now - 1s, now) == AuthzStatus::deactivated);
}

TEST_CASE("only a pending challenge of a pending authorization starts", "[acme]") {
  CHECK(challenge_can_start(ChallengeStatus::pending, AuthzStatus::pending));
  CHECK_FALSE(challenge_can_start(ChallengeStatus::processing, AuthzStatus::pending));
  CHECK_FALSE(challenge_can_start(ChallengeStatus::pending, AuthzStatus::expired));
  CHECK_FALSE(challenge_can_start(ChallengeStatus::valid, AuthzStatus::valid));
  CHECK(authz_can_deactivate(AuthzStatus::valid));
  CHECK_FALSE(authz_can_deactivate(AuthzStatus::invalid));
}
