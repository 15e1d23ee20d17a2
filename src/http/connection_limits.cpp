#include "http/connection_limits.hpp"

namespace cobble::http {

ConnectionLimits::Place::~Place() {
  if (limits_) limits_->leave(address_);
}

ConnectionLimits::ConnectionLimits(std::size_t max_total, std::size_t max_per_address)
    : max_total_(max_total), max_per_address_(max_per_address) {}

std::expected<ConnectionLimits::Place, ConnectionLimits::Refusal> ConnectionLimits::admit(
    const std::string& address) {
  std::lock_guard lock(mutex_);
  if (open_ >= max_total_) {
    ++refused_listener_full_;
    return std::unexpected(Refusal::listener_full);
  }
  auto& mine = by_address_[address];
  if (mine >= max_per_address_) {
    if (mine == 0) by_address_.erase(address);
    ++refused_address_full_;
    return std::unexpected(Refusal::address_full);
  }
  ++mine;
  ++open_;
  return Place(this, address);
}

void ConnectionLimits::leave(const std::string& address) {
  std::lock_guard lock(mutex_);
  --open_;
  auto it = by_address_.find(address);
  if (it != by_address_.end() && --it->second == 0) by_address_.erase(it);
}

std::size_t ConnectionLimits::open() const {
  std::lock_guard lock(mutex_);
  return open_;
}

std::uint64_t ConnectionLimits::refused(Refusal why) const {
  std::lock_guard lock(mutex_);
  return why == Refusal::listener_full ? refused_listener_full_ : refused_address_full_;
}

std::optional<std::uint64_t> ConnectionLimits::refusals_to_report(std::chrono::steady_clock::time_point now,
                                                                  std::chrono::seconds every) {
  std::lock_guard lock(mutex_);
  auto total = refused_listener_full_ + refused_address_full_;
  if (total == reported_ || now - last_report_ < every) return std::nullopt;
  auto fresh = total - reported_;
  reported_ = total;
  last_report_ = now;
  return fresh;
}

}  // namespace cobble::http
