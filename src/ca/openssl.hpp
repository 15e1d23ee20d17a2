#pragma once

// Internal to ca/: PEM/DER conversions, key generation and the small file helpers the CA and the
// HTTPS identity share, over the RAII owners of common/openssl.hpp. No naked *_free in ca/.

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "ca/certificate_authority.hpp"
#include "common/openssl.hpp"
#include "common/result.hpp"

namespace cobble::ca::ossl {

// The owners (PKey, Cert, Bio, ...) are common/openssl.hpp's.
using namespace common::ossl;

// The oldest queued OpenSSL error as text (and clears the queue), or `fallback` when none.
std::string last_error(std::string_view fallback = "unknown OpenSSL error");

// Fresh private keys. ECDSA P-256 or RSA 2048 (the CA's choices).
common::Result<PKey> generate_key(KeyAlgorithm algorithm);

// PEM encodings: certificates as "CERTIFICATE", private keys as unencrypted PKCS#8.
// The digest a signature by `key` uses: SHA-384 for EC keys above 256 bits (P-384 issuers, as
// Let's Encrypt's E-series sign), none for Ed25519/Ed448, SHA-256 otherwise.
const EVP_MD* signing_digest(EVP_PKEY* key);

std::string cert_to_pem(X509* cert);
std::string key_to_pem(EVP_PKEY* key);
// invalid_argument when the text holds no parsable certificate / private key.
common::Result<Cert> cert_from_pem(std::string_view pem);
common::Result<PKey> key_from_pem(std::string_view pem);

// DER through an i2d_* function; empty when encoding fails.
template <class T>
std::string der_of(int (*i2d)(const T*, unsigned char**), const T* object) {
  unsigned char* out = nullptr;
  int size = i2d(object, &out);
  if (size <= 0) return {};
  std::unique_ptr<unsigned char, OpensslFree> owned(out);
  return std::string(reinterpret_cast<const char*>(out), static_cast<std::size_t>(size));
}

}  // namespace cobble::ca::ossl
