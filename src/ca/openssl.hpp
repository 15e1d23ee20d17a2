#pragma once

// Internal to ca/: RAII owners for OpenSSL handles, PEM/DER conversions, key generation and the
// small file helpers the CA and the HTTPS identity share. No naked *_free outside this header.

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

#include "ca/authority.hpp"
#include "common/result.hpp"

namespace cobble::ca::ossl {

template <auto Free>
struct FreeWith {
  template <class T>
  void operator()(T* p) const {
    Free(p);
  }
};

struct OpensslFree {
  void operator()(void* p) const { OPENSSL_free(p); }
};

struct ExtensionStackFree {
  void operator()(STACK_OF(X509_EXTENSION) * p) const { sk_X509_EXTENSION_pop_free(p, X509_EXTENSION_free); }
};

struct CertStackFree {
  void operator()(STACK_OF(X509) * p) const { sk_X509_pop_free(p, X509_free); }
};

using PKey = std::unique_ptr<EVP_PKEY, FreeWith<EVP_PKEY_free>>;
using PKeyCtx = std::unique_ptr<EVP_PKEY_CTX, FreeWith<EVP_PKEY_CTX_free>>;
using Cert = std::unique_ptr<X509, FreeWith<X509_free>>;
using Req = std::unique_ptr<X509_REQ, FreeWith<X509_REQ_free>>;
using Bio = std::unique_ptr<BIO, FreeWith<BIO_free_all>>;
using Bignum = std::unique_ptr<BIGNUM, FreeWith<BN_free>>;
using Name = std::unique_ptr<X509_NAME, FreeWith<X509_NAME_free>>;
using Asn1Integer = std::unique_ptr<ASN1_INTEGER, FreeWith<ASN1_INTEGER_free>>;
using Asn1String = std::unique_ptr<ASN1_STRING, FreeWith<ASN1_STRING_free>>;
using Extension = std::unique_ptr<X509_EXTENSION, FreeWith<X509_EXTENSION_free>>;
using ExtensionStack = std::unique_ptr<STACK_OF(X509_EXTENSION), ExtensionStackFree>;
using CertStack = std::unique_ptr<STACK_OF(X509), CertStackFree>;
using GeneralName = std::unique_ptr<GENERAL_NAME, FreeWith<GENERAL_NAME_free>>;
using GeneralNames = std::unique_ptr<GENERAL_NAMES, FreeWith<GENERAL_NAMES_free>>;
using ExtendedKeyUsage = std::unique_ptr<EXTENDED_KEY_USAGE, FreeWith<EXTENDED_KEY_USAGE_free>>;
using Store = std::unique_ptr<X509_STORE, FreeWith<X509_STORE_free>>;
using StoreCtx = std::unique_ptr<X509_STORE_CTX, FreeWith<X509_STORE_CTX_free>>;
using OpensslString = std::unique_ptr<char, OpensslFree>;

// The oldest queued OpenSSL error as text (and clears the queue), or `fallback` when none.
std::string last_error(std::string_view fallback = "unknown OpenSSL error");

// Fresh private keys. ECDSA P-256 or RSA 2048 (the CA's choices).
common::Result<PKey> generate_key(KeyAlgorithm algorithm);

// PEM encodings: certificates as "CERTIFICATE", private keys as unencrypted PKCS#8.
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
