#pragma once

#include <optional>
#include <string_view>

// The lifecycle states of RFC 8555 §7.1.6, spelled on the wire and in the database as the RFC
// spells them. They live in common/ because storage keeps them and acme/ rules on them, and
// neither of those may include the other; this file is the one table between enum and token.
namespace cobble::common {

enum class AccountStatus { valid, deactivated, revoked };
enum class OrderStatus { pending, ready, processing, valid, invalid };
enum class AuthzStatus { pending, valid, invalid, deactivated, expired, revoked };
enum class ChallengeStatus { pending, processing, valid, invalid };

std::string_view to_string(AccountStatus s);
std::string_view to_string(OrderStatus s);
std::string_view to_string(AuthzStatus s);
std::string_view to_string(ChallengeStatus s);

std::optional<AccountStatus> parse_account_status(std::string_view s);
std::optional<OrderStatus> parse_order_status(std::string_view s);
std::optional<AuthzStatus> parse_authz_status(std::string_view s);
std::optional<ChallengeStatus> parse_challenge_status(std::string_view s);

}  // namespace cobble::common
