#pragma once

#include <string_view>

#include "acme/problem.hpp"
#include "common/result.hpp"

namespace cobble::authority {

// A storage or CA failure the client cannot fix: logs `what` and the cause, and returns
// serverInternal without internals. A failure that may pass (the database was busy, full, or
// failed to read or write: errc io_error, resource_unavailable_try_again, no_space_on_device) is
// 503 with Retry-After: kRetryAfterUnavailableSeconds; anything else 500.
acme::Problem internal_error(std::string_view what, const common::Error& error);
inline constexpr int kRetryAfterUnavailableSeconds = 5;

// True when `error` means "no such record".
inline bool is_not_found(const common::Error& error) {
  return error.code == std::errc::no_such_file_or_directory;
}

}  // namespace cobble::authority
