#pragma once

#include <array>
#include <cstddef>
#include <cstring>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>

namespace cobble::acme {

// Anti-replay nonces (RFC 8555 §6.5): what the ACME API issues on every response and redeems on
// every POST. Thread-safe.
class Nonces {
 public:
  enum class Redemption {
    accepted,     // issued, not forgotten, not used before: from now on it is used
    refused,      // badNonce
    unavailable,  // cannot tell now (the shared store is down): 503, try again later
  };
  virtual ~Nonces() = default;
  virtual std::string issue() = 0;
  // `accepted` exactly once for a nonce that was issued and not forgotten.
  virtual Redemption redeem(std::string_view nonce) = 0;
};

// One instance's nonces: 16 CSPRNG bytes, base64url; each accepted once. Bounded:
// beyond `capacity` outstanding nonces the oldest are forgotten (a client holding one gets
// badNonce and retries with the fresh nonce that error carries). Kept in memory on purpose: a
// restart invalidates them all, which RFC 8555 allows and clients handle. Thread-safe.
//
// Every ACME response carries a new nonce, so this is on every request's path: nonces are kept as
// raw bytes (no string per nonce) and drawn from a buffer of CSPRNG output refilled 4 KiB at a
// time (one RAND_bytes, with its locks and fork check, per 256 nonces instead of per nonce).
class NonceStore final : public Nonces {
 public:
  explicit NonceStore(std::size_t capacity = 100'000);

  std::string issue() override;
  // True exactly once for a nonce this store issued and has not forgotten.
  bool consume(std::string_view nonce);
  Redemption redeem(std::string_view nonce) override {
    return consume(nonce) ? Redemption::accepted : Redemption::refused;
  }
  std::size_t outstanding() const;

 private:
  using Raw = std::array<unsigned char, 16>;
  struct RawHash {
    // The bytes are CSPRNG output, so any 8 of them are a good hash.
    std::size_t operator()(const Raw& raw) const noexcept {
      std::size_t h;
      std::memcpy(&h, raw.data(), sizeof h);
      return h;
    }
  };
  Raw draw();  // with mutex_ held

  std::size_t capacity_;
  mutable std::mutex mutex_;
  std::unordered_set<Raw, RawHash> live_;
  std::deque<Raw> order_;  // issue order, for eviction; may hold consumed nonces
  std::string random_;     // unused CSPRNG bytes from random_used_ on
  std::size_t random_used_ = 0;
};

}  // namespace cobble::acme
