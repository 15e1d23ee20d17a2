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
    case KeyAlgorithm::ecdsa_p384:
      key = EVP_EC_gen("P-384");
      break;
    case KeyAlgorithm::rsa_4096:
      key = EVP_RSA_gen(4096);
      break;
  }
  if (key == nullptr) return common::fail(std::errc::io_error, "key generation failed: " + last_error());
  return PKey(key);
}

const EVP_MD* signing_digest(EVP_PKEY* key) {
  int type = EVP_PKEY_get_base_id(key);
  if (type == EVP_PKEY_ED25519 || type == EVP_PKEY_ED448) return nullptr;  // they hash themselves
  if (type == EVP_PKEY_EC && EVP_PKEY_get_bits(key) > 256) return EVP_sha384();
  return EVP_sha256();
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

}  // namespace cobble::ca::ossl
