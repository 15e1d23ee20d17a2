#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "ca/openssl.hpp"
#include "common/base64url.hpp"
#include "common/random.hpp"

namespace cobble::ca::ossl {
namespace {

std::string bio_contents(BIO* bio) {
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  return size > 0 ? std::string(data, static_cast<std::size_t>(size)) : std::string();
}

Bio memory_bio() { return Bio(BIO_new(BIO_s_mem())); }

Bio read_only_bio(std::string_view bytes) {
  return Bio(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
}

std::unexpected<common::Error> io_failure(std::string_view what, const std::filesystem::path& path, int err) {
  return common::fail(std::errc::io_error,
                      std::string(what) + " " + path.string() + ": " + std::strerror(err));
}

}  // namespace

std::string last_error(std::string_view fallback) {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return std::string(fallback);
  char buffer[256];
  ERR_error_string_n(code, buffer, sizeof buffer);
  return buffer;
}

common::Result<PKey> generate_key(KeyAlgorithm algorithm) {
  EVP_PKEY* key = nullptr;
  switch (algorithm) {
    case KeyAlgorithm::ecdsa_p256:
      key = EVP_EC_gen("P-256");
      break;
    case KeyAlgorithm::rsa_2048:
      key = EVP_RSA_gen(2048);
      break;
  }
  if (key == nullptr) return common::fail(std::errc::io_error, "key generation failed: " + last_error());
  return PKey(key);
}

std::string cert_to_pem(X509* cert) {
  Bio bio = memory_bio();
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) return {};
  return bio_contents(bio.get());
}

std::string key_to_pem(EVP_PKEY* key) {
  Bio bio = memory_bio();
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) return {};
  return bio_contents(bio.get());
}

common::Result<Cert> cert_from_pem(std::string_view pem) {
  Bio bio = read_only_bio(pem);
  Cert cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!cert) return common::fail(std::errc::invalid_argument, "no PEM certificate: " + last_error());
  return cert;
}

common::Result<PKey> key_from_pem(std::string_view pem) {
  Bio bio = read_only_bio(pem);
  PKey key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!key) return common::fail(std::errc::invalid_argument, "no PEM private key: " + last_error());
  return key;
}

common::Result<std::optional<std::string>> read_file_if_exists(const std::filesystem::path& path) {
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

common::Result<void> write_file(const std::filesystem::path& path, std::string_view content, bool secret) {
  std::filesystem::path temporary = path;
  temporary += ".tmp-" + common::hex_encode(common::random_bytes(4));
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

common::Result<void> ensure_directory(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return common::fail(std::errc::io_error, "cannot create " + dir.string() + ": " + ec.message());
  return {};
}

}  // namespace cobble::ca::ossl
