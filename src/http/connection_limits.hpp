#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace cobble::http {

// A listener's open connections, counted in total and per client address against its two caps,
// so that one client (or a flood of them) cannot take every file descriptor. Thread-safe.
class ConnectionLimits {
 public:
  enum class Refusal { listener_full, address_full };

  // Holds one admitted connection's place; gives it back when destroyed. Movable only.
  class Place {
   public:
    Place(Place&& other) noexcept : limits_(other.limits_), address_(std::move(other.address_)) {
      other.limits_ = nullptr;
    }
    Place& operator=(Place&&) = delete;
    Place(const Place&) = delete;
    ~Place();

   private:
    friend class ConnectionLimits;
    Place(ConnectionLimits* limits, std::string address) : limits_(limits), address_(std::move(address)) {}
    ConnectionLimits* limits_;
    std::string address_;
  };

  ConnectionLimits(std::size_t max_total, std::size_t max_per_address);

  // A place for a connection from `address`, or why there is none (the total cap is checked first).
  // Counts the refusal.
  std::expected<Place, Refusal> admit(const std::string& address);

  std::size_t open() const;
  std::uint64_t refused(Refusal why) const;
  // How many refusals happened since the last call that returned a count, when at least `every`
  // has passed since then (and there were some); nullopt otherwise. For "log at most every N s".
  std::optional<std::uint64_t> refusals_to_report(std::chrono::steady_clock::time_point now,
                                                  std::chrono::seconds every);

 private:
  void leave(const std::string& address);

  const std::size_t max_total_;
  const std::size_t max_per_address_;
  mutable std::mutex mutex_;
  std::size_t open_ = 0;                                     // under mutex_
  std::unordered_map<std::string, std::size_t> by_address_;  // under mutex_; no zero entries
  std::uint64_t refused_listener_full_ = 0;                  // under mutex_
  std::uint64_t refused_address_full_ = 0;                   // under mutex_
  std::uint64_t reported_ = 0;                               // under mutex_
  std::chrono::steady_clock::time_point last_report_{};      // under mutex_
};

}  // namespace cobble::http
