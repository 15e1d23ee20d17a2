#include "common/clock.hpp"

#include <cctype>
#include <cstdio>
#include <ctime>

namespace cobble::common {

FakeClock::FakeClock() : FakeClock(std::chrono::system_clock::now()) {}

FakeClock::FakeClock(TimePoint start) : ticks_(start.time_since_epoch().count()) {}

TimePoint FakeClock::now() const {
  return TimePoint(std::chrono::system_clock::duration(ticks_.load(std::memory_order_relaxed)));
}

void FakeClock::set(TimePoint t) { ticks_.store(t.time_since_epoch().count(), std::memory_order_relaxed); }

void FakeClock::advance(std::chrono::system_clock::duration d) {
  ticks_.fetch_add(d.count(), std::memory_order_relaxed);
}

std::string to_rfc3339(TimePoint t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(std::chrono::floor<Seconds>(t));
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::optional<TimePoint> parse_rfc3339(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)
  std::string s(text);
  int year, mon, day, hour, min, sec, consumed = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2d%*1[Tt]%2d:%2d:%2d%n", &year, &mon, &day, &hour, &min, &sec,
                  &consumed) != 6 ||
      consumed != 19) {
    return std::nullopt;
  }
  if (mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60) return std::nullopt;
  std::size_t pos = 19;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    std::size_t digits = 0;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) ++pos, ++digits;
    if (digits == 0) return std::nullopt;
  }
  long offset = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z') && pos + 1 == s.size()) {
    offset = 0;
  } else if (pos + 6 == s.size() && (s[pos] == '+' || s[pos] == '-') && s[pos + 3] == ':') {
    int oh, om;
    if (std::sscanf(s.c_str() + pos + 1, "%2d:%2d", &oh, &om) != 2 || oh > 23 || om > 59) return std::nullopt;
    offset = (oh * 3600L + om * 60L) * (s[pos] == '+' ? 1 : -1);
  } else {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = mon - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = min;
  tm.tm_sec = sec;
  std::time_t local = timegm(&tm);
  if (local == static_cast<std::time_t>(-1) && !(year == 1969 && mon == 12 && day == 31)) return std::nullopt;
  std::time_t t = local - offset;
  // A TimePoint counts nanoseconds in 64 bits: years beyond 1677..2262 do not fit (and would
  // overflow into nonsense), so they are not times this program can hold.
  using Seconds = std::chrono::seconds;
  constexpr auto kMax = std::chrono::duration_cast<Seconds>(TimePoint::duration::max()).count() - 1;
  constexpr auto kMin = std::chrono::duration_cast<Seconds>(TimePoint::duration::min()).count() + 1;
  if (t > kMax || t < kMin) return std::nullopt;
  return std::chrono::system_clock::from_time_t(t);
}

}  // namespace cobble::common
