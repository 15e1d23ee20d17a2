#include "bench/gate.hpp"

#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <utility>

namespace cobble::bench {

namespace asio = boost::asio;

std::optional<GateClass> gate_class_of(std::string_view kind) {
  if (kind == "authz" || kind == "poll") return GateClass::authz;
  if (kind == "newOrder") return GateClass::new_order;
  return std::nullopt;
}

ClassGate::Pass::Pass(Pass&& other) noexcept
    : gate_(std::exchange(other.gate_, nullptr)), class_(other.class_) {}

ClassGate::Pass& ClassGate::Pass::operator=(Pass&& other) noexcept {
  if (this != &other) {
    release();
    gate_ = std::exchange(other.gate_, nullptr);
    class_ = other.class_;
  }
  return *this;
}

void ClassGate::Pass::release() {
  if (gate_) std::exchange(gate_, nullptr)->leave(class_);
}

bool ClassGate::try_admit(GateClass cls) {
  bool other_waits = !waiting_[index(cls) ^ 1].empty();
  if (!closed_ && in_flight_ > 0 && (phase_ != cls || other_waits)) return false;
  if (in_flight_ == 0) phase_ = cls;
  ++in_flight_;
  return true;
}

asio::awaitable<ClassGate::Pass> ClassGate::enter(GateClass cls) {
  bool admitted = false;
  {
    std::lock_guard lock(mutex_);
    admitted = try_admit(cls);
  }
  if (!admitted) {
    co_await asio::async_initiate<const asio::use_awaitable_t<>&, void()>(
        [this, cls](auto handler) {
          // Posted, not called: the waiter resumes on its own executor, whichever thread wakes it.
          Wake wake = [handler = std::move(handler)]() mutable { asio::post(std::move(handler)); };
          std::unique_lock lock(mutex_);
          if (try_admit(cls)) {  // the gate opened between the first look and now
            lock.unlock();
            wake();
            return;
          }
          waiting_[index(cls)].push_back(std::move(wake));
        },
        asio::use_awaitable);
  }
  co_return Pass(this, cls);
}

void ClassGate::leave(GateClass cls) {
  std::deque<Wake> wake;
  {
    std::lock_guard lock(mutex_);
    if (--in_flight_ > 0) return;
    // Drained: the other class first if it waits, so the classes alternate.
    std::size_t other = index(cls) ^ 1;
    std::size_t next = !waiting_[other].empty() ? other : index(cls);
    if (waiting_[next].empty()) return;
    phase_ = next == 0 ? GateClass::authz : GateClass::new_order;
    wake.swap(waiting_[next]);
    in_flight_ = wake.size();
  }
  for (auto& w : wake) w();
}

void ClassGate::close() {
  std::deque<Wake> wake;
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    for (auto& queue : waiting_) {
      for (auto& w : queue) wake.push_back(std::move(w));
      queue.clear();
    }
    in_flight_ += wake.size();
  }
  for (auto& w : wake) w();
}

std::size_t ClassGate::in_flight(GateClass cls) {
  std::lock_guard lock(mutex_);
  return in_flight_ > 0 && phase_ == cls ? in_flight_ : 0;
}

}  // namespace cobble::bench
