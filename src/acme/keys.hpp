#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "acme/problem.hpp"
#include "common/key_policy.hpp"

// OpenSSL's key type, without pulling OpenSSL headers into every includer.
struct evp_pkey_st;

// Account and certificate keys as JOSE has them: PublicKey (public_key.cpp, what the server
// verifies) and PrivateKey (private_key.cpp, what a client signs with).
namespace cobble::acme {

// A public key taken from a JWK (RFC 7517/7518/8037): RSA (n, e; 1024..8192 bits), EC (P-256, P-384,
// P-521) or OKP Ed25519. Immutable and cheap to copy (shared ownership of the OpenSSL key).
class PublicKey {
 public:
  // Returns malformed when `jwk` is not an object, lacks a required member, has a non-string
  // kty/crv/n/e/x/y or bad base64url in one; badPublicKey for unsupported kty/crv, a key `rules`
  // refuse (the account rules of a key policy, common/key_policy.hpp), RSA over 8192 bits (or an even
  // modulus, an exponent that is even or 1), an EC coordinate of the wrong length, an EC point not on its
  // curve, an Ed25519 x that is not 32 bytes, or a JWK that carries private members ("d", "p", "q", "dp",
  // "dq", "qi", "oth"). Other members (alg, kid, use, ...) are ignored. Never throws.
  static Result<PublicKey> from_jwk(const nlohmann::json& jwk,
                                    const common::KeyRules& rules = common::default_key_policy().account);
  // From DER SubjectPublicKeyInfo (e.g. a CSR's or certificate's key). nullopt if unparsable, if
  // bytes trail the structure, or if the key is not RSA, EC P-256/P-384/P-521 or Ed25519. No size
  // policy: check bits() where it matters.
  static std::optional<PublicKey> from_spki_der(std::string_view der);

  // RFC 7638 thumbprint: base64url(SHA-256(canonical JWK of the required members)).
  std::string thumbprint() const;
  // The public JWK with only the required members (what RFC 7638 hashes), as a JSON object.
  nlohmann::json to_jwk() const;
  // DER SubjectPublicKeyInfo; equal keys give equal bytes (use it to compare keys). Encoded once
  // per key and shared by its copies: OpenSSL 3's encoder set-up costs more than a signature check.
  const std::string& spki_der() const;
  // "RSA", "EC" or "OKP".
  std::string_view kty() const;
  // Key size in bits as OpenSSL counts it (modulus for RSA, field size for EC, 256 for Ed25519).
  int bits() const;
  // True when `alg` (RS256, ES256, ES384, ES512, EdDSA) is the algorithm this key signs with:
  // RS256 for RSA, ES256 for P-256, ES384 for P-384, ES512 for P-521, EdDSA for Ed25519.
  bool accepts_alg(std::string_view alg) const;
  // Verifies a JWS signature (raw R||S for ECDSA as RFC 7518 §3.4 says, not DER).
  bool verify(std::string_view alg, std::string_view signing_input, std::string_view signature) const;

  evp_pkey_st* native() const { return key_.get(); }
  explicit PublicKey(std::shared_ptr<evp_pkey_st> key);

 private:
  struct Encodings;
  std::shared_ptr<evp_pkey_st> key_;
  std::shared_ptr<Encodings> encodings_;  // computed on first use, shared by copies
};

// A private key for the client side: tests, cobble-bench and the EAB/key-change helpers.
class PrivateKey {
 public:
  enum class Kind { es256, es384, es512, rs256, eddsa };
  // rs256: 2048-bit RSA. Throws std::runtime_error only if OpenSSL cannot generate a key.
  static PrivateKey generate(Kind kind);
  // From PEM (PKCS#8 or traditional). nullopt when unparsable or unsupported.
  static std::optional<PrivateKey> from_pem(std::string_view pem);
  std::string to_pem() const;  // PKCS#8
  std::string_view alg() const;
  PublicKey public_key() const;
  // JWS signature over `signing_input` in the JOSE form (R||S for ECDSA).
  std::string sign(std::string_view signing_input) const;
  evp_pkey_st* native() const { return key_.get(); }

 private:
  PrivateKey(std::shared_ptr<evp_pkey_st> key, Kind kind) : key_(std::move(key)), kind_(kind) {}
  std::shared_ptr<evp_pkey_st> key_;
  Kind kind_;
};

// base64url(SHA-256(data)).
std::string sha256_base64url(std::string_view data);

}  // namespace cobble::acme
