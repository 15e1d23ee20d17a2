#pragma once

#include <nlohmann/json.hpp>

#include "api/message.hpp"

namespace cobble::api {

// A JSON reply (application/json, pretty-printed, any bytes made valid UTF-8); `status` 200
// unless given. Every front end's success bodies go through it.
Reply json_reply(const nlohmann::json& body, int status = 200);

}  // namespace cobble::api
