#include "common/random.hpp"

#include <openssl/rand.h>

#include <cstdlib>

#include "common/base64url.hpp"

namespace cobble::common {

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) std::abort();
  return out;
}

std::string random_token(std::size_t bytes) { return base64url_encode(random_bytes(bytes)); }

}  // namespace cobble::common
