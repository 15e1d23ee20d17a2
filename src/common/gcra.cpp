#include "common/gcra.hpp"

#include <algorithm>

namespace cobble::common::gcra {

bool Limit::valid() const {
  if (burst < 1 || count < 1 || period.count() < 1) return false;
  const auto interval = emission_interval().count();
  if (interval < 1) return false;
  std::int64_t offset = 0;
  return !__builtin_mul_overflow(interval, burst, &offset);
}

double Limit::tokens_per_day() const {
  return static_cast<double>(count) * static_cast<double>(Duration(std::chrono::hours(24)).count()) /
         static_cast<double>(period.count());
}

SpendResult spend(const Limit& limit, std::optional<TimePoint> stored_tat, TimePoint now, std::int64_t cost) {
  const TimePoint tat = std::max(now, stored_tat.value_or(now));
  if (!limit.valid() || cost < 0 || cost > limit.burst) {
    // Boulder panics here (its callers reject such costs first); a pure function just refuses.
    return SpendResult{.allowed = false, .new_tat = tat, .remaining = 0, .retry_in = Duration::max()};
  }
  const Duration interval = limit.emission_interval();
  const Duration increment = interval * cost;
  const TimePoint new_tat = tat + increment;
  const Duration difference = now - (new_tat - limit.burst_offset());

  if (difference < Duration::zero()) {
    return SpendResult{.allowed = false,
                       .new_tat = tat,
                       .remaining = (now - (tat - limit.burst_offset())) / interval,
                       .retry_in = -difference};
  }
  return SpendResult{.allowed = true,
                     .new_tat = new_tat,
                     .remaining = difference / interval,
                     .retry_in = difference < increment ? increment - difference : Duration::zero()};
}

double tokens_available(const Limit& limit, std::optional<TimePoint> stored_tat, TimePoint now) {
  if (!limit.valid()) return 0.0;
  const TimePoint tat = std::max(now, stored_tat.value_or(now));
  const Duration capacity = now - (tat - limit.burst_offset());
  return static_cast<double>(capacity.count()) / static_cast<double>(limit.emission_interval().count());
}

}  // namespace cobble::common::gcra
