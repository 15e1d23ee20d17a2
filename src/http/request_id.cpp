#include "http/request_id.hpp"

#include "common/base64url.hpp"
#include "common/random.hpp"
#include "common/text.hpp"

namespace cobble::http {

std::string new_request_id() { return common::hex_encode(common::random_bytes(8)); }

bool acceptable_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
              c == '_' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string request_id_for(const api::Headers& headers, std::string_view peer,
                           const TrustedProxies& trusted) {
  if (trusted.empty()) return new_request_id();
  auto address = node_address(peer);
  if (!address || !trusted.contains(*address)) return new_request_id();
  for (const auto& [name, value] : headers) {
    if (!common::iequals(name, "X-Request-Id")) continue;
    if (acceptable_request_id(value)) return value;
    break;
  }
  return new_request_id();
}

}  // namespace cobble::http
