#pragma once

#include "api/acme/services.hpp"
#include "api/message.hpp"

namespace cobble::api {

// The ACME listener: every RFC 8555 resource. Thread-safe (state lives in Services).
Reply handle_acme(const Request& request, Services& services);

}  // namespace cobble::api
