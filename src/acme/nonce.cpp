#include "acme/nonce.hpp"

#include "common/random.hpp"

namespace cobble::acme {

std::string NonceStore::issue() {
  auto nonce = common::random_token(16);
  std::lock_guard lock(mutex_);
  live_.insert(nonce);
  order_.push_back(nonce);
  while (live_.size() > capacity_ || order_.size() > 2 * capacity_) {
    live_.erase(order_.front());
    order_.pop_front();
  }
  return nonce;
}

bool NonceStore::consume(const std::string& nonce) {
  std::lock_guard lock(mutex_);
  return live_.erase(nonce) == 1;
}

std::size_t NonceStore::outstanding() const {
  std::lock_guard lock(mutex_);
  return live_.size();
}

}  // namespace cobble::acme
