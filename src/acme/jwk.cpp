// PublicKey and PrivateKey: JWK import/export (RFC 7517/7518/8037), thumbprints (RFC 7638) and the
// JOSE signature forms (RFC 7518 §3). jws.cpp builds the JWS layer on top of these.

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <array>
#include <mutex>
#include <stdexcept>

#include "acme/jws.hpp"
#include "common/base64url.hpp"
#include "common/openssl.hpp"

namespace cobble::acme {
namespace {

using common::base64url_decode;
using common::base64url_encode;

using common::ossl::Bignum;
using common::ossl::Bio;
using common::ossl::EcdsaSig;
using common::ossl::MdCtx;
using common::ossl::ParamBld;
using common::ossl::Params;
using common::ossl::PKey;
using common::ossl::PKeyCtx;

std::shared_ptr<evp_pkey_st> share(PKey key) { return {key.release(), EVP_PKEY_free}; }

const unsigned char* bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

// The curves JOSE names (RFC 7518 §3.4, §6.2.1.1), with the coordinate and R/S size in bytes.
struct Curve {
  std::string_view crv;
  const char* group;  // OpenSSL's name
  std::string_view alg;
  std::size_t size;
  const EVP_MD* (*md)();
};
constexpr std::array<Curve, 3> kCurves{{
    {"P-256", "prime256v1", "ES256", 32, EVP_sha256},
    {"P-384", "secp384r1", "ES384", 48, EVP_sha384},
    {"P-521", "secp521r1", "ES512", 66, EVP_sha512},
}};

const Curve* curve_of(const EVP_PKEY* key) {
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

bool supported(const EVP_PKEY* key) {
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
std::string_view alg_of(const EVP_PKEY* key) {
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

PKey key_from_params(const char* type, OSSL_PARAM_BLD* bld) {
  Params params(OSSL_PARAM_BLD_to_param(bld));
  PKeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return nullptr;
  }
  return PKey(raw);
}

std::string bn_bytes(const BIGNUM* bn, int pad = 0) {
  std::string out(static_cast<std::size_t>(pad > 0 ? pad : BN_num_bytes(bn)), '\0');
  auto* p = reinterpret_cast<unsigned char*>(out.data());
  if (pad > 0) {
    BN_bn2binpad(bn, p, pad);
  } else {
    BN_bn2bin(bn, p);
  }
  return out;
}

Bignum bn_param(const EVP_PKEY* key, const char* name) {
  BIGNUM* bn = nullptr;
  EVP_PKEY_get_bn_param(key, name, &bn);
  return Bignum(bn);
}

std::string_view private_member(const nlohmann::json& jwk) {
  for (std::string_view m : {"d", "p", "q", "dp", "dq", "qi", "oth"})
    if (jwk.contains(m)) return m;
  return {};
}

// A JWK member that must be a base64url string. `what` names the key type for the detail.
Result<std::string> b64_member(const nlohmann::json& jwk, const char* name, std::string_view what) {
  auto it = jwk.find(name);
  if (it == jwk.end()) {
    return fail(Problem::malformed("The " + std::string(what) + " JWK has no \"" + name + "\" member"));
  }
  if (!it->is_string())
    return fail(Problem::malformed("The JWK member \"" + std::string(name) + "\" must be a string"));
  auto decoded = base64url_decode(it->get_ref<const std::string&>());
  if (!decoded) {
    return fail(Problem::malformed("The JWK member \"" + std::string(name) + "\" is not valid base64url"));
  }
  return *decoded;
}

Result<std::string> string_member(const nlohmann::json& jwk, const char* name) {
  auto it = jwk.find(name);
  if (it == jwk.end()) return fail(Problem::malformed("The JWK has no \"" + std::string(name) + "\" member"));
  if (!it->is_string())
    return fail(Problem::malformed("The JWK member \"" + std::string(name) + "\" must be a string"));
  return it->get<std::string>();
}

Problem bad_key(std::string detail) { return Problem::make(ProblemType::bad_public_key, std::move(detail)); }

Result<PublicKey> rsa_from_jwk(const nlohmann::json& jwk) {
  auto n_bytes = b64_member(jwk, "n", "RSA");
  if (!n_bytes) return fail(n_bytes.error());
  auto e_bytes = b64_member(jwk, "e", "RSA");
  if (!e_bytes) return fail(e_bytes.error());
  Bignum n(BN_bin2bn(bytes(*n_bytes), static_cast<int>(n_bytes->size()), nullptr));
  Bignum e(BN_bin2bn(bytes(*e_bytes), static_cast<int>(e_bytes->size()), nullptr));
  if (!n || !e) return fail(Problem::server_internal("Could not allocate RSA key numbers"));
  // Bound the size before OpenSSL does any arithmetic with the modulus.
  int bits = BN_num_bits(n.get());
  if (bits < 2048) {
    return fail(bad_key("RSA keys must be at least 2048 bits; this one has " + std::to_string(bits)));
  }
  if (bits > 8192) {
    return fail(bad_key("RSA keys must be at most 8192 bits; this one has " + std::to_string(bits)));
  }
  if (!BN_is_odd(n.get()))
    return fail(bad_key("The RSA modulus is even, so it cannot be a product of two primes"));
  if (!BN_is_odd(e.get()) || BN_is_one(e.get()) || BN_num_bits(e.get()) > 256) {
    return fail(bad_key("The RSA public exponent must be an odd number greater than 1 and at most 256 bits"));
  }
  ParamBld bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1) {
    return fail(Problem::server_internal("Could not build the RSA key"));
  }
  PKey key = key_from_params("RSA", bld.get());
  if (!key) return fail(bad_key("OpenSSL refused the RSA public key"));
  return PublicKey(share(std::move(key)));
}

Result<PublicKey> ec_from_jwk(const nlohmann::json& jwk) {
  auto crv = string_member(jwk, "crv");
  if (!crv) return fail(crv.error());
  const Curve* curve = nullptr;
  for (const auto& c : kCurves)
    if (*crv == c.crv) curve = &c;
  if (!curve) return fail(bad_key("EC curve \"" + *crv + "\" is not supported; use P-256, P-384 or P-521"));
  std::string point = "\x04";  // SEC 1 §2.3.3 uncompressed point: 04 || X || Y
  for (const char* coord : {"x", "y"}) {
    auto value = b64_member(jwk, coord, "EC");
    if (!value) return fail(value.error());
    // RFC 7518 §6.2.1.2: coordinates are the full field size, leading zeros kept.
    if (value->size() != curve->size) {
      return fail(bad_key("The " + std::string(curve->crv) + " coordinate \"" + coord + "\" must be " +
                          std::to_string(curve->size) + " bytes; this one has " +
                          std::to_string(value->size())));
    }
    point += *value;
  }
  ParamBld bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, curve->group, 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1) {
    return fail(Problem::server_internal("Could not build the EC key"));
  }
  // Importing decodes the point, which fails when it is not on the curve; the public check also
  // refuses the point at infinity and points outside the prime-order subgroup.
  PKey key = key_from_params("EC", bld.get());
  PKeyCtx check(key ? EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr) : nullptr);
  if (!key || !check || EVP_PKEY_public_check(check.get()) != 1) {
    return fail(bad_key("The EC point (x, y) is not on curve " + std::string(curve->crv)));
  }
  return PublicKey(share(std::move(key)));
}

Result<PublicKey> okp_from_jwk(const nlohmann::json& jwk) {
  auto crv = string_member(jwk, "crv");
  if (!crv) return fail(crv.error());
  // RFC 8037 §3.1 also defines Ed448 and X25519/X448; only Ed25519 is an ACME signing algorithm here.
  if (*crv != "Ed25519") return fail(bad_key("OKP curve \"" + *crv + "\" is not supported; use Ed25519"));
  auto x = b64_member(jwk, "x", "Ed25519");
  if (!x) return fail(x.error());
  if (x->size() != 32) {
    return fail(
        bad_key("An Ed25519 public key \"x\" must be 32 bytes; this one has " + std::to_string(x->size())));
  }
  ParamBld bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, x->data(), x->size()) != 1) {
    return fail(Problem::server_internal("Could not build the Ed25519 key"));
  }
  PKey key = key_from_params("ED25519", bld.get());
  if (!key) return fail(bad_key("OpenSSL refused the Ed25519 public key"));
  return PublicKey(share(std::move(key)));
}

// One-shot sign or verify setup; `md` is null for EdDSA (RFC 8037 §3.1: no pre-hash).
const EVP_MD* md_for(const EVP_PKEY* key) {
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
std::optional<std::string> raw_to_der(std::string_view raw, std::size_t size) {
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

std::string der_to_raw(std::string_view der, std::size_t size) {
  const unsigned char* p = bytes(der);
  EcdsaSig sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) throw std::runtime_error("OpenSSL produced an unparsable ECDSA signature");
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  return bn_bytes(r, static_cast<int>(size)) + bn_bytes(s, static_cast<int>(size));
}

constexpr std::array<std::pair<PrivateKey::Kind, std::string_view>, 5> kKinds{{
    {PrivateKey::Kind::es256, "ES256"},
    {PrivateKey::Kind::es384, "ES384"},
    {PrivateKey::Kind::es512, "ES512"},
    {PrivateKey::Kind::rs256, "RS256"},
    {PrivateKey::Kind::eddsa, "EdDSA"},
}};

std::string_view alg_of(PrivateKey::Kind kind) {
  for (const auto& [k, alg] : kKinds)
    if (k == kind) return alg;
  return {};
}

int no_password(char*, int, int, void*) { return -1; }

// Refusing bad input leaves OpenSSL errors on this thread's queue, where a later TLS call on the
// same I/O thread would read them as its own (SSL_get_error). Clear them on the way out.
struct ClearErrorsOnExit {
  ClearErrorsOnExit() = default;
  ClearErrorsOnExit(const ClearErrorsOnExit&) = delete;
  ClearErrorsOnExit& operator=(const ClearErrorsOnExit&) = delete;
  ~ClearErrorsOnExit() { ERR_clear_error(); }
};

}  // namespace

// RFC 7517 §4.1, RFC 7518 §6, RFC 8037 §2.
Result<PublicKey> PublicKey::from_jwk(const nlohmann::json& jwk) {
  ClearErrorsOnExit clear;
  if (!jwk.is_object()) return fail(Problem::malformed("The JWK must be a JSON object"));
  if (auto m = private_member(jwk); !m.empty()) {
    return fail(bad_key("The JWK contains the private member \"" + std::string(m) +
                        "\"; send only the public key, never the private one"));
  }
  auto kty = string_member(jwk, "kty");
  if (!kty) return fail(kty.error());
  if (*kty == "RSA") return rsa_from_jwk(jwk);
  if (*kty == "EC") return ec_from_jwk(jwk);
  if (*kty == "OKP") return okp_from_jwk(jwk);
  return fail(bad_key("Key type \"" + *kty + "\" is not supported; use RSA, EC or OKP (Ed25519)"));
}

std::optional<PublicKey> PublicKey::from_spki_der(std::string_view der) {
  ClearErrorsOnExit clear;
  const unsigned char* p = bytes(der);
  PKey key(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())));
  if (!key || p != bytes(der) + der.size() || !supported(key.get())) return std::nullopt;
  return PublicKey(share(std::move(key)));
}

// RFC 7638 §3.2: the required members, lexicographic order, no whitespace. nlohmann's default
// object is a std::map, so dump() already sorts the keys and emits no whitespace.
std::string PublicKey::thumbprint() const { return sha256_base64url(to_jwk().dump()); }

nlohmann::json PublicKey::to_jwk() const {
  const EVP_PKEY* key = key_.get();
  nlohmann::json jwk = nlohmann::json::object();
  jwk["kty"] = std::string(kty());
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA: {
      Bignum n = bn_param(key, OSSL_PKEY_PARAM_RSA_N);
      Bignum e = bn_param(key, OSSL_PKEY_PARAM_RSA_E);
      if (n && e) {
        jwk["n"] = base64url_encode(bn_bytes(n.get()));
        jwk["e"] = base64url_encode(bn_bytes(e.get()));
      }
      break;
    }
    case EVP_PKEY_EC: {
      const Curve* c = curve_of(key);
      Bignum x = bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X);
      Bignum y = bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y);
      if (c && x && y) {
        jwk["crv"] = std::string(c->crv);
        jwk["x"] = base64url_encode(bn_bytes(x.get(), static_cast<int>(c->size)));
        jwk["y"] = base64url_encode(bn_bytes(y.get(), static_cast<int>(c->size)));
      }
      break;
    }
    case EVP_PKEY_ED25519: {
      std::string x(32, '\0');
      std::size_t len = 0;
      if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY,
                                          reinterpret_cast<unsigned char*>(x.data()), x.size(), &len) == 1) {
        x.resize(len);
        jwk["crv"] = "Ed25519";
        jwk["x"] = base64url_encode(x);
      }
      break;
    }
  }
  return jwk;
}

struct PublicKey::Encodings {
  std::once_flag spki_once;
  std::string spki;
};

PublicKey::PublicKey(std::shared_ptr<evp_pkey_st> key)
    : key_(std::move(key)), encodings_(std::make_shared<Encodings>()) {}

const std::string& PublicKey::spki_der() const {
  std::call_once(encodings_->spki_once, [this] {
    int len = i2d_PUBKEY(key_.get(), nullptr);
    if (len <= 0) return;
    std::string der(static_cast<std::size_t>(len), '\0');
    auto* p = reinterpret_cast<unsigned char*>(der.data());
    i2d_PUBKEY(key_.get(), &p);
    encodings_->spki = std::move(der);
  });
  return encodings_->spki;
}

std::string_view PublicKey::kty() const {
  switch (EVP_PKEY_get_base_id(key_.get())) {
    case EVP_PKEY_RSA:
      return "RSA";
    case EVP_PKEY_EC:
      return "EC";
    case EVP_PKEY_ED25519:
      return "OKP";
    default:
      return {};
  }
}

int PublicKey::bits() const { return EVP_PKEY_get_bits(key_.get()); }

bool PublicKey::accepts_alg(std::string_view alg) const {
  auto own = alg_of(key_.get());
  return !own.empty() && own == alg;
}

bool PublicKey::verify(std::string_view alg, std::string_view signing_input,
                       std::string_view signature) const {
  if (!accepts_alg(alg)) return false;
  ClearErrorsOnExit clear;
  std::string der;
  if (const Curve* c = curve_of(key_.get())) {
    auto converted = raw_to_der(signature, c->size);
    if (!converted) return false;
    der = std::move(*converted);
    signature = der;
  }
  MdCtx ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, md_for(key_.get()), nullptr, key_.get()) != 1)
    return false;
  return EVP_DigestVerify(ctx.get(), bytes(signature), signature.size(), bytes(signing_input),
                          signing_input.size()) == 1;
}

PrivateKey PrivateKey::generate(Kind kind) {
  EVP_PKEY* raw = nullptr;
  if (kind == Kind::rs256) {
    raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(2048));
  } else if (kind == Kind::eddsa) {
    raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  } else {
    for (const auto& c : kCurves)
      if (c.alg == alg_of(kind)) raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", c.group);
  }
  if (!raw) throw std::runtime_error("OpenSSL could not generate a key");
  return PrivateKey(share(PKey(raw)), kind);
}

std::optional<PrivateKey> PrivateKey::from_pem(std::string_view pem) {
  ClearErrorsOnExit clear;
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return std::nullopt;
  // An encrypted PEM must fail, not prompt on the terminal.
  PKey key(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_password, nullptr));
  if (!key) return std::nullopt;
  for (const auto& [kind, alg] : kKinds)
    if (alg == alg_of(key.get())) return PrivateKey(share(std::move(key)), kind);
  return std::nullopt;
}

std::string PrivateKey::to_pem() const {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio ||
      PEM_write_bio_PKCS8PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    throw std::runtime_error("OpenSSL could not write the private key as PEM");
  }
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

std::string_view PrivateKey::alg() const { return alg_of(kind_); }

PublicKey PrivateKey::public_key() const {
  // Through SPKI so the PublicKey holds no private material.
  int len = i2d_PUBKEY(key_.get(), nullptr);
  std::string der(static_cast<std::size_t>(len > 0 ? len : 0), '\0');
  auto* p = reinterpret_cast<unsigned char*>(der.data());
  if (len > 0) i2d_PUBKEY(key_.get(), &p);
  auto pub = PublicKey::from_spki_der(der);
  if (!pub) throw std::runtime_error("OpenSSL could not export the public key");
  return *pub;
}

std::string PrivateKey::sign(std::string_view signing_input) const {
  MdCtx ctx(EVP_MD_CTX_new());
  std::size_t len = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, md_for(key_.get()), nullptr, key_.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, bytes(signing_input), signing_input.size()) != 1) {
    throw std::runtime_error("OpenSSL could not start a signature");
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, bytes(signing_input),
                     signing_input.size()) != 1) {
    throw std::runtime_error("OpenSSL could not sign");
  }
  sig.resize(len);
  if (const Curve* c = curve_of(key_.get())) return der_to_raw(sig, c->size);
  return sig;
}

std::string sha256_base64url(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("OpenSSL could not compute SHA-256");
  }
  return base64url_encode(std::string_view(reinterpret_cast<const char*>(digest), len));
}

}  // namespace cobble::acme
