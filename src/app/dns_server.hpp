#pragma once

#include <chrono>
#include <string>

#include "common/result.hpp"

namespace cobble::app {

// dnsServer as Pebble's -dnsserver takes it: "host:port", where host may be a name (compose files
// say `-dnsserver challtestsrv:8053`). The validation resolver (c-ares) wants addresses, so each
// comma-separated entry naming a host is resolved here, once, by the system resolver. In a compose
// deployment the name appears only once the other container runs, so a failed lookup is retried
// until `patience` has passed. Addresses ("10.0.0.2:53", "[::1]:53", "::1") pass unchanged.
// invalid_argument (naming the entry) when a name does not resolve in time or the port is not a number.
common::Result<std::string> dns_server_addresses(const std::string& servers,
                                                 std::chrono::milliseconds patience);

}  // namespace cobble::app
