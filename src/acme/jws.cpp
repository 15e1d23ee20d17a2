// The JWS layer of RFC 8555 §6.2 over RFC 7515's flattened JSON serialization. Key handling and
// signature forms live in public_key.cpp and private_key.cpp (keys.hpp).

#include "acme/jws.hpp"

#include <algorithm>

#include "common/base64url.hpp"

namespace cobble::acme {
namespace {

using common::base64url_decode;
using common::base64url_encode;

Problem bad_algorithm(std::string detail) {
  Problem p = Problem::make(ProblemType::bad_signature_algorithm, std::move(detail));
  p.algorithms = supported_algorithms();
  return p;
}

// The top-level members of the flattened serialization, each a base64url string.
Result<std::string> encoded_member(const nlohmann::json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end())
    return fail(Problem::malformed(std::string("The JWS has no \"") + name + "\" member"));
  if (!it->is_string())
    return fail(Problem::malformed(std::string("The JWS \"") + name + "\" member must be a string"));
  return it->get<std::string>();
}

Result<std::string> decoded(const std::string& text, const char* name) {
  auto bytes = base64url_decode(text);
  if (!bytes) {
    return fail(Problem::malformed(std::string("The JWS \"") + name +
                                   "\" member is not valid base64url (RFC 4648 §5, no padding)"));
  }
  return *bytes;
}

// A protected header parameter that must be a string when present.
Result<std::optional<std::string>> string_param(const nlohmann::json& header, const char* name) {
  auto it = header.find(name);
  if (it == header.end()) return std::optional<std::string>();
  if (!it->is_string()) {
    return fail(
        Problem::malformed(std::string("The protected header parameter \"") + name + "\" must be a string"));
  }
  return std::optional<std::string>(it->get<std::string>());
}

// "RSA", "EC P-256", "Ed25519": how a person would name the key in a detail.
std::string describe(const PublicKey& key) {
  auto jwk = key.to_jwk();
  if (key.kty() == "OKP") return jwk.value("crv", std::string("OKP"));
  if (key.kty() == "EC") return "EC " + jwk.value("crv", std::string("?"));
  return std::string(key.kty());
}

std::string_view alg_for(const PublicKey& key) {
  for (const auto& alg : supported_algorithms())
    if (key.accepts_alg(alg)) return alg;
  return {};
}

}  // namespace

const std::vector<std::string>& supported_algorithms() {
  static const std::vector<std::string> kAlgorithms{"RS256", "ES256", "ES384", "ES512", "EdDSA"};
  return kAlgorithms;
}

Result<Jws> parse_jws(std::string_view body_text, bool require_nonce) {
  auto body = nlohmann::json::parse(body_text, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) return fail(Problem::malformed("The request body is not valid JSON"));
  if (!body.is_object())
    return fail(Problem::malformed("The request body must be a JSON object (a flattened JWS)"));
  // RFC 8555 §6.2: flattened JSON serialization, and no unprotected header.
  if (body.contains("signatures")) {
    return fail(Problem::malformed("The JWS must use the flattened JSON serialization, not the general one"));
  }
  if (body.contains("header")) {
    return fail(Problem::malformed(
        "The JWS must not have an unprotected \"header\"; put every parameter in \"protected\""));
  }
  for (const auto& [name, value] : body.items()) {
    if (name != "protected" && name != "payload" && name != "signature") {
      return fail(Problem::malformed("The JWS has an unexpected member \"" + name +
                                     "\"; only \"protected\", \"payload\" and \"signature\" are allowed"));
    }
  }
  auto protected_b64 = encoded_member(body, "protected");
  if (!protected_b64) return fail(protected_b64.error());
  auto payload_b64 = encoded_member(body, "payload");
  if (!payload_b64) return fail(payload_b64.error());
  auto signature_b64 = encoded_member(body, "signature");
  if (!signature_b64) return fail(signature_b64.error());

  auto header_text = decoded(*protected_b64, "protected");
  if (!header_text) return fail(header_text.error());
  auto header = nlohmann::json::parse(*header_text, nullptr, /*allow_exceptions=*/false);
  if (header.is_discarded() || !header.is_object()) {
    return fail(Problem::malformed("The JWS protected header is not a JSON object"));
  }

  Jws jws;
  // RFC 8555 §6.2: alg must be an asymmetric signature algorithm, never "none" or a MAC.
  auto alg = string_param(header, "alg");
  if (!alg) return fail(alg.error());
  if (!*alg) return fail(Problem::malformed("The JWS protected header has no \"alg\""));
  jws.alg = **alg;
  const auto& algs = supported_algorithms();
  if (std::find(algs.begin(), algs.end(), jws.alg) == algs.end()) {
    return fail(bad_algorithm("The JWS algorithm \"" + jws.alg +
                              "\" is not accepted; use one of RS256, ES256, ES384, ES512 or EdDSA"));
  }

  // RFC 8555 §6.2: exactly one of jwk and kid.
  auto jwk = header.find("jwk");
  auto kid = string_param(header, "kid");
  if (!kid) return fail(kid.error());
  if (jwk != header.end() && *kid) {
    return fail(Problem::malformed(
        "The JWS protected header has both \"jwk\" and \"kid\"; it must have exactly one"));
  }
  if (jwk == header.end() && !*kid) {
    return fail(
        Problem::malformed("The JWS protected header has neither \"jwk\" nor \"kid\"; it must have one"));
  }
  if (jwk != header.end()) {
    if (!jwk->is_object())
      return fail(Problem::malformed("The JWS \"jwk\" header parameter must be a JSON object"));
    jws.jwk = *jwk;
  } else {
    jws.kid = **kid;
  }

  // RFC 7797 unencoded payloads and RFC 7515 §4.1.11 critical extensions: ACME uses neither.
  if (header.contains("b64")) {
    return fail(
        Problem::malformed("The JWS protected header must not have \"b64\"; ACME payloads are base64url"));
  }
  if (header.contains("crit")) {
    return fail(Problem::malformed(
        "The JWS protected header must not have \"crit\"; Cobble understands no extensions"));
  }

  // RFC 8555 §6.5: a missing nonce is badNonce; serve.cpp checks the value.
  auto nonce = string_param(header, "nonce");
  if (!nonce) return fail(nonce.error());
  if (*nonce) {
    jws.nonce = **nonce;
  } else if (require_nonce) {
    return fail(Problem::bad_nonce("JWS has no anti-replay nonce"));
  }
  // RFC 8555 §6.4: url is required; serve.cpp compares it with the request URL.
  auto url = string_param(header, "url");
  if (!url) return fail(url.error());
  if (!*url) return fail(Problem::malformed("The JWS protected header has no \"url\""));
  jws.url = **url;

  auto payload = decoded(*payload_b64, "payload");
  if (!payload) return fail(payload.error());
  auto signature = decoded(*signature_b64, "signature");
  if (!signature) return fail(signature.error());

  jws.protected_header = std::move(header);
  jws.payload = std::move(*payload);
  jws.signature = std::move(*signature);
  // RFC 7515 §5.2: the signature covers the encoded text exactly as sent.
  jws.signing_input = *protected_b64 + "." + *payload_b64;
  return jws;
}

Result<void> verify_jws(const Jws& jws, const PublicKey& key) {
  if (!key.accepts_alg(jws.alg)) {
    return fail(bad_algorithm("The JWS is signed with " + jws.alg + " but the key is " + describe(key) +
                              ", which signs with " + std::string(alg_for(key))));
  }
  if (!key.verify(jws.alg, jws.signing_input, jws.signature)) {
    return fail(Problem::malformed("JWS verification error"));
  }
  return {};
}

std::string sign_jws(const PrivateKey& key, nlohmann::json header, std::string_view payload) {
  header["alg"] = std::string(key.alg());
  std::string protected_b64 = base64url_encode(header.dump());
  std::string payload_b64 = base64url_encode(payload);
  std::string signature = key.sign(protected_b64 + "." + payload_b64);
  nlohmann::json jws{
      {"protected", protected_b64}, {"payload", payload_b64}, {"signature", base64url_encode(signature)}};
  return jws.dump();
}

std::string key_authorization(std::string_view token, const PublicKey& account_key) {
  return key_authorization(token, account_key.thumbprint());
}

std::string key_authorization(std::string_view token, std::string_view account_thumbprint) {
  std::string authorization(token);
  authorization += '.';
  authorization += account_thumbprint;
  return authorization;
}

}  // namespace cobble::acme
