#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace cobble::acme {

// `value` as JSON text (`indent` < 0: compact). Never throws: nlohmann::json's dump() throws on a
// string that is not valid UTF-8, which outside bytes can be (a request path, a DNS record, a
// peer's reply); here such bytes become U+FFFD. Every reply body and stored JSON is written by it.
std::string json_text(const nlohmann::json& value, int indent = -1);

}  // namespace cobble::acme
