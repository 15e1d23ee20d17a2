#include "acme/types.hpp"

namespace cobble::acme {

nlohmann::json to_json(const Identifier& id) { return {{"type", id.type}, {"value", id.value}}; }

}  // namespace cobble::acme
