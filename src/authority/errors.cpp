#include "authority/errors.hpp"

#include <spdlog/spdlog.h>

namespace cobble::authority {

acme::Problem internal_error(std::string_view what, const common::Error& error) {
  spdlog::error("{}: {}", what, error.message);
  auto detail = "The server could not complete this request (" + std::string(what) + "); try again later";
  bool may_pass = error.code == std::errc::io_error ||
                  error.code == std::errc::resource_unavailable_try_again ||
                  error.code == std::errc::no_space_on_device;
  if (may_pass) return acme::Problem::unavailable(std::move(detail), kRetryAfterUnavailableSeconds);
  return acme::Problem::server_internal(std::move(detail));
}

}  // namespace cobble::authority
