#include "api/acme/payload.hpp"

#include "common/base64url.hpp"

namespace cobble::api::payload {
namespace {
acme::Problem wrong_type(const char* name, const char* type) {
  return acme::Problem::malformed(std::string("Payload member \"") + name + "\" must be " + type);
}
}  // namespace

acme::Result<std::optional<std::string>> string_member(const nlohmann::json& payload, const char* name) {
  if (!payload.is_object() || !payload.contains(name)) return std::optional<std::string>{};
  const auto& v = payload[name];
  if (!v.is_string()) return acme::fail(wrong_type(name, "a string"));
  return std::optional<std::string>{v.get<std::string>()};
}

acme::Result<std::optional<bool>> bool_member(const nlohmann::json& payload, const char* name) {
  if (!payload.is_object() || !payload.contains(name)) return std::optional<bool>{};
  const auto& v = payload[name];
  if (!v.is_boolean()) return acme::fail(wrong_type(name, "true or false"));
  return std::optional<bool>{v.get<bool>()};
}

acme::Result<std::optional<std::vector<std::string>>> string_list_member(const nlohmann::json& payload,
                                                                         const char* name) {
  if (!payload.is_object() || !payload.contains(name)) return std::optional<std::vector<std::string>>{};
  const auto& v = payload[name];
  if (!v.is_array()) return acme::fail(wrong_type(name, "an array of strings"));
  std::vector<std::string> out;
  for (const auto& item : v) {
    if (!item.is_string()) return acme::fail(wrong_type(name, "an array of strings"));
    out.push_back(item.get<std::string>());
  }
  return std::optional<std::vector<std::string>>{std::move(out)};
}

acme::Result<std::string> base64url_member(const nlohmann::json& payload, const char* name) {
  auto text = string_member(payload, name);
  if (!text) return acme::fail(text.error());
  if (!*text)
    return acme::fail(acme::Problem::malformed(std::string("Payload member \"") + name + "\" is required"));
  auto bytes = common::base64url_decode(**text);
  if (!bytes || bytes->empty()) return acme::fail(wrong_type(name, "base64url (without padding)"));
  return *bytes;
}

}  // namespace cobble::api::payload
