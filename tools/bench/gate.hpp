#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string_view>

namespace cobble::bench {

// The two kinds of request --pebble-safe keeps apart. Pebble 2.4.0 deadlocks when a POST-as-GET
// of an authorization and a newOrder (which scans every authorization) overlap while a writer
// waits; with the two never in flight together it runs at 64 workers and more.
enum class GateClass { authz, new_order };

// The gate class of a request kind (stats.hpp's names): "authz" and "poll" (both POST-as-GET of
// an authorization) are `authz`, "newOrder" is `new_order`; every other kind passes ungated.
std::optional<GateClass> gate_class_of(std::string_view kind);

// Any number of requests of one class in flight at a time, never both classes. Fair: once a
// request of the other class waits, new arrivals of the running class wait too, and when the
// running class has drained, every waiter of the other class enters at once; so the classes
// alternate and neither starves.
//
// Thread-safe: workers on different io_contexts may share one gate; a waiter resumes on its own
// coroutine's executor. A Pass is released on whatever thread destroys it.
class ClassGate {
 public:
  // Holding a Pass means one request of its class is in flight. Move-only; releases once.
  class Pass {
   public:
    Pass() = default;
    Pass(Pass&& other) noexcept;
    Pass& operator=(Pass&& other) noexcept;
    Pass(const Pass&) = delete;
    Pass& operator=(const Pass&) = delete;
    ~Pass() { release(); }
    void release();

   private:
    friend class ClassGate;
    Pass(ClassGate* gate, GateClass cls) : gate_(gate), class_(cls) {}
    ClassGate* gate_ = nullptr;
    GateClass class_ = GateClass::authz;
  };

  // Returns at once when `cls` may enter, else when its turn comes (or the gate is closed).
  boost::asio::awaitable<Pass> enter(GateClass cls);
  // Lets every waiter and every later arrival in, whatever the class: the run is stopping, and
  // no worker may stay parked here.
  void close();
  // Requests of `cls` in flight now (0 when the other class holds the gate).
  std::size_t in_flight(GateClass cls);

 private:
  using Wake = std::move_only_function<void()>;
  static std::size_t index(GateClass cls) { return cls == GateClass::authz ? 0 : 1; }
  // Under mutex_: admits `cls` (counting it in flight) when it may enter now.
  bool try_admit(GateClass cls);
  void leave(GateClass cls);

  std::mutex mutex_;
  GateClass phase_ = GateClass::authz;  // the class in flight when in_flight_ > 0
  std::size_t in_flight_ = 0;
  std::deque<Wake> waiting_[2];  // by index(); non-empty only while in_flight_ > 0
  bool closed_ = false;
};

}  // namespace cobble::bench
