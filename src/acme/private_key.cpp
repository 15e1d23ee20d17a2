#include "acme/keys.hpp"
// PrivateKey, the client's side (tests, cobble-bench, EAB and key-change helpers): generation,
// PEM, and signatures in JOSE's form.

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <array>
#include <stdexcept>
#include <utility>

#include "acme/jose_forms.hpp"
#include "common/openssl.hpp"

namespace cobble::acme {
namespace {

using namespace jose_forms;
using common::ossl::Bio;
using common::ossl::MdCtx;
using common::ossl::PKey;

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

}  // namespace

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

}  // namespace cobble::acme
