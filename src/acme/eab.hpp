#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "acme/jws.hpp"
#include "acme/problem.hpp"

namespace cobble::acme {

// The externalAccountBinding member of a newAccount request (RFC 8555 §7.3.4): a flattened JWS
// MACed with a key the CA handed out, whose payload is the new account's public JWK.
struct ExternalAccountBinding {
  std::string kid;  // the CA's key identifier
  std::string alg;  // HS256, HS384 or HS512
  std::string signing_input;
  std::string mac;             // decoded "signature"
  nlohmann::json payload_jwk;  // the decoded payload
  nlohmann::json value;        // the member exactly as the client sent it (echoed in the account)
};

// Checks steps 1 and 2 of RFC 8555 §7.3.4: `value` is a flattened JWS whose protected header has
// "alg" HS256/HS384/HS512, a string "kid", no "nonce", no "jwk", and "url" equal to `outer_url`
// (the newAccount URL the outer JWS was signed for); the payload is a JSON object. Returns
// malformed with a detail naming the broken rule otherwise (the RFC names no type; Pebble answers
// malformed too, and an "algorithms" list of badSignatureAlgorithm would describe the account key,
// not the MAC). Never throws.
Result<ExternalAccountBinding> parse_external_account_binding(const nlohmann::json& value,
                                                              std::string_view outer_url);

// Step 4: true when `binding.mac` is the HMAC of its signing input under `mac_key` (raw bytes),
// compared in constant time.
bool verify_external_account_binding_mac(const ExternalAccountBinding& binding, std::string_view mac_key);

// Client side (tests, cobble-bench): the externalAccountBinding value for `account_key`, MACed
// with `mac_key` (raw bytes) using `alg` (HS256, HS384 or HS512) for the newAccount URL `url`.
// Throws std::invalid_argument for another alg.
nlohmann::json sign_external_account_binding(std::string_view kid, std::string_view mac_key,
                                             const PublicKey& account_key, std::string_view url,
                                             std::string_view alg = "HS256");

}  // namespace cobble::acme
