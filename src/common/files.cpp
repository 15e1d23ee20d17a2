#include "common/files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/base64url.hpp"
#include "common/random.hpp"

namespace cobble::common {
namespace {

std::unexpected<Error> io_failure(std::string_view what, const std::filesystem::path& path, int err) {
  return fail(std::errc::io_error, std::string(what) + " " + path.string() + ": " + std::strerror(err));
}

}  // namespace

Result<std::optional<std::string>> read_file_if_exists(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    int err = errno;
    std::error_code ec;
    if (!std::filesystem::exists(path, ec) && !ec) return std::optional<std::string>();
    return io_failure("cannot open", path, err);
  }
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) return io_failure("cannot read", path, errno);
  return std::optional<std::string>(content.str());
}

Result<void> write_file(const std::filesystem::path& path, std::string_view content, bool secret) {
  std::filesystem::path temporary = path;
  temporary += ".tmp-" + hex_encode(random_bytes(4));
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, secret ? 0600 : 0644);
  if (fd < 0) return io_failure("cannot create", temporary, errno);
  std::size_t written = 0;
  while (written < content.size()) {
    ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      ::unlink(temporary.c_str());
      return io_failure("cannot write", temporary, err);
    }
    written += static_cast<std::size_t>(n);
  }
  int sync_result = ::fsync(fd);
  int sync_errno = errno;
  if (::close(fd) != 0 || sync_result != 0) {
    int err = sync_result != 0 ? sync_errno : errno;
    ::unlink(temporary.c_str());
    return io_failure("cannot write", temporary, err);
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(temporary.c_str());
    return io_failure("cannot rename to", path, err);
  }
  return {};
}

Result<void> ensure_directory(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return fail(std::errc::io_error, "cannot create " + dir.string() + ": " + ec.message());
  return {};
}

}  // namespace cobble::common
