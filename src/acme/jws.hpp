#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "acme/keys.hpp"
#include "acme/problem.hpp"

namespace cobble::acme {

// The algorithms Cobble accepts, in the order the badSignatureAlgorithm problem lists them.
const std::vector<std::string>& supported_algorithms();

// A flattened JWS (RFC 7515 §7.2.2) as RFC 8555 §6.2 constrains it.
struct Jws {
  std::string alg;
  std::optional<nlohmann::json> jwk;  // exactly one of jwk/kid is set
  std::string kid;
  std::string nonce;
  std::string url;
  nlohmann::json protected_header;  // the whole decoded header (EAB and key-change read more)
  std::string payload;              // decoded payload bytes; empty for POST-as-GET (RFC 8555 §6.3)
  std::string signing_input;        // ASCII(protected "." payload), as signed
  std::string signature;            // decoded signature bytes
};

// Parses the request body of an ACME POST. Returns:
//  - malformed for invalid JSON, a non-object, missing/extra/non-string members (an unprotected
//    "header" included), bad base64url, a protected header that is not a JSON object, a header
//    without alg or url, both or neither of jwk/kid, a jwk that is not an object, a non-string
//    kid/nonce/url, any "b64" member, or any "crit";
//  - badNonce when `require_nonce` and the header has no "nonce" (RFC 8555 §6.5);
//  - badSignatureAlgorithm (with `algorithms` filled) for "none", HS*, or any unsupported alg.
// Never throws.
// Nonce and url are not checked here (serve.cpp does that against the nonce store and request).
// `require_nonce` false is for the inner JWS of key-change and EAB, which carry none.
Result<Jws> parse_jws(std::string_view body, bool require_nonce = true);

// Returns badSignatureAlgorithm (with `algorithms`) when `alg` is not the one `key` signs with,
// and malformed "JWS verification error" when the signature does not verify.
Result<void> verify_jws(const Jws& jws, const PublicKey& key);

// Builds a flattened JWS and returns its JSON text. `header` gets "alg" added; the caller puts
// nonce, url and jwk or kid. An empty `payload` yields the RFC 8555 §6.3 POST-as-GET body.
std::string sign_jws(const PrivateKey& key, nlohmann::json header, std::string_view payload);

// RFC 8555 §8.1: token "." thumbprint(account key).
std::string key_authorization(std::string_view token, const PublicKey& account_key);
// The same from a thumbprint already computed (an account record keeps its key's).
std::string key_authorization(std::string_view token, std::string_view account_thumbprint);

}  // namespace cobble::acme
