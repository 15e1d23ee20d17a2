#include "acme/nonce.hpp"

#include "common/base64url.hpp"
#include "common/random.hpp"

namespace cobble::acme {

namespace {
constexpr std::size_t kRandomBatch = 4096;
constexpr std::size_t kEncodedSize = 22;  // base64url of 16 bytes, unpadded
}  // namespace

NonceStore::NonceStore(std::size_t capacity) : capacity_(capacity) {}

NonceStore::Raw NonceStore::draw() {
  Raw raw;
  if (random_used_ + raw.size() > random_.size()) {
    random_ = common::random_bytes(kRandomBatch);
    random_used_ = 0;
  }
  std::memcpy(raw.data(), random_.data() + random_used_, raw.size());
  // Bytes handed out are not kept: a later dump of this object shows no live nonce.
  std::memset(random_.data() + random_used_, 0, raw.size());
  random_used_ += raw.size();
  return raw;
}

std::string NonceStore::issue() {
  Raw raw;
  {
    std::lock_guard lock(mutex_);
    do {
      raw = draw();
    } while (!live_.insert(raw).second);  // a repeat of 128 random bits: never, but cheap to rule out
    order_.push_back(raw);
    while (live_.size() > capacity_ || order_.size() > 2 * capacity_) {
      live_.erase(order_.front());
      order_.pop_front();
    }
  }
  return common::base64url_encode(std::string_view(reinterpret_cast<const char*>(raw.data()), raw.size()));
}

bool NonceStore::consume(std::string_view nonce) {
  if (nonce.size() != kEncodedSize) return false;
  auto bytes = common::base64url_decode(nonce);
  if (!bytes || bytes->size() != sizeof(Raw)) return false;
  // 22 characters carry 132 bits: only the encoding issue() made (last 4 bits zero) is the nonce.
  if (common::base64url_encode(*bytes) != nonce) return false;
  Raw raw;
  std::memcpy(raw.data(), bytes->data(), raw.size());
  std::lock_guard lock(mutex_);
  return live_.erase(raw) == 1;
}

std::size_t NonceStore::outstanding() const {
  std::lock_guard lock(mutex_);
  return live_.size();
}

}  // namespace cobble::acme
