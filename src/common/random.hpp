#pragma once

#include <cstddef>
#include <string>

namespace cobble::common {

// Bytes from OpenSSL's CSPRNG. Aborts if the generator fails (it only does when the OS has no
// entropy source, and then no secret this server makes would be safe).
std::string random_bytes(std::size_t n);

// 16 random bytes as base64url (22 characters): unguessable ids for resources and nonces.
std::string random_token(std::size_t bytes = 16);

// A uniform number in [0, 1) from the same generator (53 random bits).
double random_unit();

}  // namespace cobble::common
