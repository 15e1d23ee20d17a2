#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace cobble::acme {

// RFC 8555 §9.7.7 identifier: {"type": "dns", "value": "example.com"}.
struct Identifier {
  std::string type;
  std::string value;
  bool operator==(const Identifier&) const = default;
  auto operator<=>(const Identifier&) const = default;
};

nlohmann::json to_json(const Identifier& id);

// Status vocabularies of RFC 8555 §7.1.6, spelled as on the wire.
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

}  // namespace cobble::acme
