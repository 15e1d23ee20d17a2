#pragma once

#include <expected>
#include <string>
#include <system_error>

namespace cobble::common {

// Below authority/, fallible operations return a value or an error: a code for the caller to
// branch on, and a message for the log. Never a problem document (that is authority's job).
struct Error {
  std::errc code = std::errc::io_error;
  std::string message;
};

template <class T>
using Result = std::expected<T, Error>;

inline std::unexpected<Error> fail(std::errc code, std::string message) {
  return std::unexpected(Error{code, std::move(message)});
}

}  // namespace cobble::common
