// External account binding (RFC 8555 §7.3.4): the MAC-signed inner JWS of newAccount.

#include "acme/eab.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <stdexcept>

#include "common/base64url.hpp"

namespace cobble::acme {
namespace {

using common::base64url_decode;
using common::base64url_encode;

const EVP_MD* digest_for(std::string_view alg) {
  if (alg == "HS256") return EVP_sha256();
  if (alg == "HS384") return EVP_sha384();
  if (alg == "HS512") return EVP_sha512();
  return nullptr;
}

std::string hmac(const EVP_MD* md, std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  // A zero-length key is legal HMAC; OpenSSL wants a non-null pointer for it.
  static const unsigned char kEmpty = 0;
  const void* key_bytes = key.empty() ? &kEmpty : static_cast<const void*>(key.data());
  if (!HMAC(md, key_bytes, static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
            data.size(), out, &length)) {
    return {};
  }
  return std::string(reinterpret_cast<const char*>(out), length);
}

Problem binding_problem(const std::string& why) {
  return Problem::malformed("The externalAccountBinding is not valid: " + why);
}

Result<std::string> member(const nlohmann::json& value, const char* name) {
  auto it = value.find(name);
  if (it == value.end() || !it->is_string())
    return fail(binding_problem(std::string("it needs a string \"") + name + "\" member"));
  auto bytes = base64url_decode(it->get<std::string>());
  if (!bytes) return fail(binding_problem(std::string("\"") + name + "\" is not base64url"));
  return *bytes;
}

}  // namespace

Result<ExternalAccountBinding> parse_external_account_binding(const nlohmann::json& value,
                                                              std::string_view outer_url) {
  // Step 1: a well-formed flattened JWS.
  if (!value.is_object()) return fail(binding_problem("it must be a flattened JWS (a JSON object)"));
  for (const auto& [name, unused] : value.items()) {
    if (name != "protected" && name != "payload" && name != "signature") {
      return fail(binding_problem("unexpected member \"" + name +
                                  "\"; only \"protected\", \"payload\" and \"signature\" are allowed"));
    }
  }
  auto header_text = member(value, "protected");
  if (!header_text) return fail(header_text.error());
  auto payload_text = member(value, "payload");
  if (!payload_text) return fail(payload_text.error());
  auto mac = member(value, "signature");
  if (!mac) return fail(mac.error());
  auto header = nlohmann::json::parse(*header_text, nullptr, false);
  if (header.is_discarded() || !header.is_object())
    return fail(binding_problem("its protected header is not a JSON object"));

  // Step 2: RFC 8555 §7.3.4 — alg a MAC algorithm, kid the CA's key id, no nonce, url as outer.
  ExternalAccountBinding binding;
  auto alg = header.find("alg");
  if (alg == header.end() || !alg->is_string() || !digest_for(alg->get<std::string>())) {
    return fail(binding_problem("\"alg\" must be HS256, HS384 or HS512 (a MAC algorithm), got " +
                                (alg == header.end() ? std::string("none") : alg->dump())));
  }
  binding.alg = alg->get<std::string>();
  auto kid = header.find("kid");
  if (kid == header.end() || !kid->is_string() || kid->get<std::string>().empty())
    return fail(binding_problem("the protected header needs a \"kid\" naming the CA's key identifier"));
  binding.kid = kid->get<std::string>();
  if (header.contains("nonce"))
    return fail(binding_problem("the protected header must not have a \"nonce\" (RFC 8555 §7.3.4)"));
  if (header.contains("jwk"))
    return fail(binding_problem("the protected header must not have a \"jwk\"; the key is the payload"));
  if (header.contains("crit") || header.contains("b64"))
    return fail(binding_problem("the protected header must not have \"crit\" or \"b64\""));
  auto url = header.find("url");
  if (url == header.end() || !url->is_string())
    return fail(binding_problem("the protected header needs \"url\", the newAccount URL"));
  if (url->get<std::string>() != outer_url) {
    return fail(binding_problem("its \"url\" is \"" + url->get<std::string>() + "\" but the request's is \"" +
                                std::string(outer_url) + "\""));
  }
  auto payload = nlohmann::json::parse(*payload_text, nullptr, false);
  if (payload.is_discarded() || !payload.is_object())
    return fail(binding_problem("its payload must be the account's public JWK (a JSON object)"));

  binding.signing_input = value["protected"].get<std::string>() + "." + value["payload"].get<std::string>();
  binding.mac = std::move(*mac);
  binding.payload_jwk = std::move(payload);
  binding.value = value;
  return binding;
}

bool verify_external_account_binding_mac(const ExternalAccountBinding& binding, std::string_view mac_key) {
  const EVP_MD* md = digest_for(binding.alg);
  if (!md) return false;
  auto expected = hmac(md, mac_key, binding.signing_input);
  return !expected.empty() && expected.size() == binding.mac.size() &&
         CRYPTO_memcmp(expected.data(), binding.mac.data(), expected.size()) == 0;
}

nlohmann::json sign_external_account_binding(std::string_view kid, std::string_view mac_key,
                                             const PublicKey& account_key, std::string_view url,
                                             std::string_view alg) {
  const EVP_MD* md = digest_for(alg);
  if (!md) throw std::invalid_argument("not an HMAC algorithm: " + std::string(alg));
  nlohmann::json header = {{"alg", std::string(alg)}, {"kid", std::string(kid)}, {"url", std::string(url)}};
  std::string protected_b64 = base64url_encode(header.dump());
  std::string payload_b64 = base64url_encode(account_key.to_jwk().dump());
  std::string mac = hmac(md, mac_key, protected_b64 + "." + payload_b64);
  return {{"protected", protected_b64}, {"payload", payload_b64}, {"signature", base64url_encode(mac)}};
}

}  // namespace cobble::acme
