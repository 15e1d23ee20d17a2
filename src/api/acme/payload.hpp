#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "acme/problem.hpp"

// Typed reads of JWS payload members: a member of the wrong type is malformed, naming it. Payloads
// are client input, so no member's type is ever assumed.
namespace cobble::api::payload {

acme::Result<std::optional<std::string>> string_member(const nlohmann::json& payload, const char* name);
acme::Result<std::optional<bool>> bool_member(const nlohmann::json& payload, const char* name);
acme::Result<std::optional<std::vector<std::string>>> string_list_member(const nlohmann::json& payload,
                                                                         const char* name);
// Decodes a base64url member (csr, certificate) to bytes; malformed when absent or not base64url.
acme::Result<std::string> base64url_member(const nlohmann::json& payload, const char* name);

}  // namespace cobble::api::payload
