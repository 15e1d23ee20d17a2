#include "common/random.hpp"

#include <openssl/rand.h>

#include <cstdint>
#include <cstdlib>

#include "common/base64url.hpp"

namespace cobble::common {

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) std::abort();
  return out;
}

std::string random_token(std::size_t bytes) { return base64url_encode(random_bytes(bytes)); }

double random_unit() {
  auto bytes = random_bytes(8);
  std::uint64_t bits = 0;
  for (unsigned char b : bytes) bits = (bits << 8) | b;
  return static_cast<double>(bits >> 11) * 0x1.0p-53;
}

}  // namespace cobble::common
