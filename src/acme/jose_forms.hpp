#pragma once

// Internal to acme/: what the public and the private key share about JOSE's key forms (RFC 7518):
// the curves, which algorithm a key signs with, the digest, ECDSA's R||S against OpenSSL's DER, and
// keeping OpenSSL's error queue clean. public_key.cpp and private_key.cpp include it; no one else.

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/openssl.hpp"

namespace cobble::acme::jose_forms {

using common::ossl::Bignum;
using common::ossl::EcdsaSig;
using common::ossl::PKey;

inline std::shared_ptr<evp_pkey_st> share(PKey key) { return {key.release(), EVP_PKEY_free}; }

inline const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// The curves JOSE names (RFC 7518 §3.4, §6.2.1.1), with the coordinate and R/S size in bytes.
struct Curve {
  std::string_view crv;
  const char* group;  // OpenSSL's name
  std::string_view alg;
  std::size_t size;
  const EVP_MD* (*md)();
};
inline constexpr std::array<Curve, 3> kCurves{{
    {"P-256", "prime256v1", "ES256", 32, EVP_sha256},
    {"P-384", "secp384r1", "ES384", 48, EVP_sha384},
    {"P-521", "secp521r1", "ES512", 66, EVP_sha512},
}};

inline const Curve* curve_of(const EVP_PKEY* key) {
  if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC) return nullptr;
  char name[64];
  std::size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof name, &len) != 1) {
    return nullptr;  // explicit curve parameters: not something JOSE can name
  }
  for (const auto& c : kCurves)
    if (std::string_view(name, len) == c.group) return &c;
  return nullptr;
}

inline bool supported(const EVP_PKEY* key) {
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA:
    case EVP_PKEY_ED25519:
      return true;
    case EVP_PKEY_EC:
      return curve_of(key) != nullptr;
    default:
      return false;
  }
}

// The JOSE algorithm a key signs with; empty for keys Cobble does not support.
inline std::string_view alg_of(const EVP_PKEY* key) {
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA:
      return "RS256";
    case EVP_PKEY_ED25519:
      return "EdDSA";
    case EVP_PKEY_EC:
      if (const Curve* c = curve_of(key)) return c->alg;
      return {};
    default:
      return {};
  }
}

inline std::string bn_bytes(const BIGNUM* bn, int pad = 0) {
  std::string out(static_cast<std::size_t>(pad > 0 ? pad : BN_num_bytes(bn)), '\0');
  auto* p = reinterpret_cast<unsigned char*>(out.data());
  if (pad > 0) {
    BN_bn2binpad(bn, p, pad);
  } else {
    BN_bn2bin(bn, p);
  }
  return out;
}

// One-shot sign or verify setup; `md` is null for EdDSA (RFC 8037 §3.1: no pre-hash).
inline const EVP_MD* md_for(const EVP_PKEY* key) {
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA:
      return EVP_sha256();
    case EVP_PKEY_EC:
      if (const Curve* c = curve_of(key)) return c->md();
      return nullptr;
    default:
      return nullptr;
  }
}

// RFC 7518 §3.4: JOSE carries R || S, each left-padded to the curve size; OpenSSL speaks DER.
inline std::optional<std::string> raw_to_der(std::string_view raw, std::size_t size) {
  if (raw.size() != 2 * size) return std::nullopt;
  Bignum r(BN_bin2bn(bytes(raw), static_cast<int>(size), nullptr));
  Bignum s(BN_bin2bn(bytes(raw.substr(size)), static_cast<int>(size), nullptr));
  EcdsaSig sig(ECDSA_SIG_new());
  if (!r || !s || !sig || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) return std::nullopt;
  r.release();  // owned by sig now
  s.release();
  int len = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (len <= 0) return std::nullopt;
  std::string der(static_cast<std::size_t>(len), '\0');
  auto* p = reinterpret_cast<unsigned char*>(der.data());
  i2d_ECDSA_SIG(sig.get(), &p);
  return der;
}

inline std::string der_to_raw(std::string_view der, std::size_t size) {
  const unsigned char* p = bytes(der);
  EcdsaSig sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) throw std::runtime_error("OpenSSL produced an unparsable ECDSA signature");
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  return bn_bytes(r, static_cast<int>(size)) + bn_bytes(s, static_cast<int>(size));
}

// Refusing bad input leaves OpenSSL errors on this thread's queue, where a later TLS call on the
// same I/O thread would read them as its own (SSL_get_error). Clear them on the way out.
struct ClearErrorsOnExit {
  ClearErrorsOnExit() = default;
  ClearErrorsOnExit(const ClearErrorsOnExit&) = delete;
  ClearErrorsOnExit& operator=(const ClearErrorsOnExit&) = delete;
  ~ClearErrorsOnExit() { ERR_clear_error(); }
};

}  // namespace cobble::acme::jose_forms
