#include "authority/errors.hpp"

#include <spdlog/spdlog.h>

namespace cobble::authority {

acme::Problem internal_error(std::string_view what, const common::Error& error) {
  spdlog::error("{}: {}", what, error.message);
  return acme::Problem::server_internal("The server could not complete this request (" + std::string(what) +
                                        "); try again later");
}

}  // namespace cobble::authority
