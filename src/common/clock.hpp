#pragma once

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace cobble::common {

using TimePoint = std::chrono::system_clock::time_point;
using Seconds = std::chrono::seconds;

// The one source of ACME time (expiry, validity, pause windows). Network timeouts never use it:
// they are real waiting and use steady timers. Implementations are thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint now() const override { return std::chrono::system_clock::now(); }
};

// Starts at the given time (default: the real time at construction) and moves only when told to,
// so tests and `--fake-clock` users can walk through weeks in milliseconds.
class FakeClock final : public Clock {
 public:
  FakeClock();
  explicit FakeClock(TimePoint start);
  TimePoint now() const override;
  void set(TimePoint t);
  void advance(std::chrono::system_clock::duration d);

 private:
  std::atomic<std::chrono::system_clock::rep> ticks_;
};

// RFC 3339 in UTC with a "Z" suffix and whole seconds, as ACME objects carry times.
std::string to_rfc3339(TimePoint t);
// Parses RFC 3339 (fractional seconds and numeric offsets accepted). Returns nullopt when malformed.
std::optional<TimePoint> parse_rfc3339(std::string_view text);

}  // namespace cobble::common
