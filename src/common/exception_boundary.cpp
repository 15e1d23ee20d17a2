#include "common/exception_boundary.hpp"

#include <spdlog/spdlog.h>

namespace cobble::common {

void log_escaped(std::string_view where, const std::exception_ptr& error) noexcept {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    spdlog::error("{}: an exception escaped and was stopped here (a bug): {}", where, e.what());
  } catch (...) {
    spdlog::error("{}: an exception that is not a std::exception escaped and was stopped here (a bug)",
                  where);
  }
}

}  // namespace cobble::common
