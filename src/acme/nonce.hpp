#pragma once

#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_set>

namespace cobble::acme {

// Anti-replay nonces (RFC 8555 §6.5): 16 CSPRNG bytes, base64url; each accepted once. Bounded:
// beyond `capacity` outstanding nonces the oldest are forgotten (a client holding one gets
// badNonce and retries with the fresh nonce that error carries). Kept in memory on purpose: a
// restart invalidates them all, which RFC 8555 allows and clients handle. Thread-safe.
class NonceStore {
 public:
  explicit NonceStore(std::size_t capacity = 100'000) : capacity_(capacity) {}

  std::string issue();
  // True exactly once for a nonce this store issued and has not forgotten.
  bool consume(const std::string& nonce);
  std::size_t outstanding() const;

 private:
  std::size_t capacity_;
  mutable std::mutex mutex_;
  std::unordered_set<std::string> live_;
  std::deque<std::string> order_;  // issue order, for eviction; may hold consumed nonces
};

}  // namespace cobble::acme
