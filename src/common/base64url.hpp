#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cobble::common {

// RFC 4648 §5 base64url without padding, as JOSE and ACME use it.
std::string base64url_encode(std::string_view bytes);
// Returns nullopt when `text` has padding, characters outside the base64url alphabet, or an
// impossible length (4n+1).
std::optional<std::string> base64url_decode(std::string_view text);

// Standard base64 with padding (PEM bodies).
std::string base64_encode(std::string_view bytes);

std::string hex_encode(std::string_view bytes);

}  // namespace cobble::common
