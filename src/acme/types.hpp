#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.hpp"

namespace cobble::acme {

// RFC 8555 §9.7.7 identifier: {"type": "dns", "value": "example.com"}.
struct Identifier {
  std::string type;
  std::string value;
  bool operator==(const Identifier&) const = default;
  auto operator<=>(const Identifier&) const = default;
};

nlohmann::json to_json(const Identifier& id);

// The status vocabularies of RFC 8555 §7.1.6 (common/status.hpp), as acme/ code names them.
using common::AccountStatus;
using common::AuthzStatus;
using common::ChallengeStatus;
using common::OrderStatus;
using common::parse_account_status;
using common::parse_authz_status;
using common::parse_challenge_status;
using common::parse_order_status;
using common::to_string;

}  // namespace cobble::acme
