#include "acme/json_text.hpp"

namespace cobble::acme {

std::string json_text(const nlohmann::json& value, int indent) {
  return value.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace cobble::acme
