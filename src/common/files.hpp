#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace cobble::common {

// nullopt when the file does not exist; io_error when it exists but cannot be read.
Result<std::optional<std::string>> read_file_if_exists(const std::filesystem::path& path);
// Writes through a temporary file and a rename, so readers never see half a file. `secret` files
// are created with mode 0600. io_error on failure.
Result<void> write_file(const std::filesystem::path& path, std::string_view content, bool secret);
// Creates `dir` (and parents) if missing. io_error on failure.
Result<void> ensure_directory(const std::filesystem::path& dir);

}  // namespace cobble::common
