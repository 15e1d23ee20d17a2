#include "acme/keys.hpp"
// PublicKey, the server's side: JWK import and export (RFC 7517/7518/8037), thumbprints
// (RFC 7638), SPKI, and signature verification in JOSE's form (RFC 7518 §3).

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <array>
#include <mutex>
#include <stdexcept>

#include "acme/jose_forms.hpp"
#include "common/base64url.hpp"
#include "common/openssl.hpp"

namespace cobble::acme {
namespace {

using namespace jose_forms;
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

// The key policy's refusal of a parsed key, as badPublicKey; nullopt when `rules` accept it.
std::optional<Problem> policy_refusal(const common::KeyRules& rules, common::KeyKind kind, int bits) {
  auto why = common::key_refusal(rules, kind, bits);
  if (!why) return std::nullopt;
  return bad_key("The account key is not accepted: " + *why);
}

Result<PublicKey> rsa_from_jwk(const nlohmann::json& jwk, const common::KeyRules& rules) {
  auto n_bytes = b64_member(jwk, "n", "RSA");
  if (!n_bytes) return fail(n_bytes.error());
  auto e_bytes = b64_member(jwk, "e", "RSA");
  if (!e_bytes) return fail(e_bytes.error());
  Bignum n(BN_bin2bn(bytes(*n_bytes), static_cast<int>(n_bytes->size()), nullptr));
  Bignum e(BN_bin2bn(bytes(*e_bytes), static_cast<int>(e_bytes->size()), nullptr));
  if (!n || !e) return fail(Problem::server_internal("Could not allocate RSA key numbers"));
  // Bound the size before OpenSSL does any arithmetic with the modulus.
  int bits = BN_num_bits(n.get());
  if (bits < rules.min_rsa_bits) {
    return fail(bad_key("RSA keys must be at least " + std::to_string(rules.min_rsa_bits) +
                        " bits; this one has " + std::to_string(bits)));
  }
  if (bits > std::min(rules.max_rsa_bits, 8192)) {
    return fail(bad_key("RSA keys must be at most " + std::to_string(std::min(rules.max_rsa_bits, 8192)) +
                        " bits; this one has " + std::to_string(bits)));
  }
  if (auto refused = policy_refusal(rules, common::KeyKind::rsa, bits)) return fail(*refused);
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

Result<PublicKey> ec_from_jwk(const nlohmann::json& jwk, const common::KeyRules& rules) {
  auto crv = string_member(jwk, "crv");
  if (!crv) return fail(crv.error());
  const Curve* curve = nullptr;
  for (const auto& c : kCurves)
    if (*crv == c.crv) curve = &c;
  if (!curve) return fail(bad_key("EC curve \"" + *crv + "\" is not supported; use P-256, P-384 or P-521"));
  auto kind = curve->size == 32   ? common::KeyKind::p256
              : curve->size == 48 ? common::KeyKind::p384
                                  : common::KeyKind::p521;
  if (auto refused = policy_refusal(rules, kind, static_cast<int>(curve->size) * 8)) return fail(*refused);
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

Result<PublicKey> okp_from_jwk(const nlohmann::json& jwk, const common::KeyRules& rules) {
  auto crv = string_member(jwk, "crv");
  if (!crv) return fail(crv.error());
  // RFC 8037 §3.1 also defines Ed448 and X25519/X448; only Ed25519 is an ACME signing algorithm here.
  if (*crv != "Ed25519") return fail(bad_key("OKP curve \"" + *crv + "\" is not supported; use Ed25519"));
  if (auto refused = policy_refusal(rules, common::KeyKind::ed25519, 256)) return fail(*refused);
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

}  // namespace

// RFC 7517 §4.1, RFC 7518 §6, RFC 8037 §2.
Result<PublicKey> PublicKey::from_jwk(const nlohmann::json& jwk, const common::KeyRules& rules) {
  ClearErrorsOnExit clear;
  if (!jwk.is_object()) return fail(Problem::malformed("The JWK must be a JSON object"));
  if (auto m = private_member(jwk); !m.empty()) {
    return fail(bad_key("The JWK contains the private member \"" + std::string(m) +
                        "\"; send only the public key, never the private one"));
  }
  auto kty = string_member(jwk, "kty");
  if (!kty) return fail(kty.error());
  if (*kty == "RSA") return rsa_from_jwk(jwk, rules);
  if (*kty == "EC") return ec_from_jwk(jwk, rules);
  if (*kty == "OKP") return okp_from_jwk(jwk, rules);
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

std::string sha256_base64url(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("OpenSSL could not compute SHA-256");
  }
  return base64url_encode(std::string_view(reinterpret_cast<const char*>(digest), len));
}

}  // namespace cobble::acme
