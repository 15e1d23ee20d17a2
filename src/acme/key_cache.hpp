#pragma once

#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

#include "acme/jws.hpp"

namespace cobble::acme {

// Parsed public keys by their stored JWK text. Every kid-signed request needs its account's key,
// and turning a JWK into an OpenSSL key costs tens of µs (OpenSSL 3 looks the key manager up by
// name under a lock), more than the rest of a small request. Keys are immutable, so sharing one
// across threads is safe. Bounded: when full it starts over, which keeps it simple and cheap.
class KeyCache {
 public:
  explicit KeyCache(std::size_t capacity = 100'000) : capacity_(capacity) {}

  // PublicKey::from_jwk of the parsed text, remembered when it succeeds; malformed when the text
  // is not JSON.
  Result<PublicKey> from_jwk_text(const std::string& jwk_text);
  std::size_t size() const;

 private:
  mutable std::mutex mu_;
  std::unordered_map<std::string, PublicKey> keys_;
  std::size_t capacity_;
};

}  // namespace cobble::acme
