#pragma once

#include <optional>
#include <string>
#include <string_view>

// Which public keys a CA accepts, for accounts (JWS, RFC 8555 §6.2) and for certificates (the CSR's
// key, §7.4). RFC 8555 leaves both to the CA, and the CAs Cobble stands in for choose differently,
// so the choice is a named policy (`keyPolicy`) rather than a scatter of flags. acme/ applies the
// account rules, ca/ the certificate rules; both read them from here.
namespace cobble::common {

enum class KeyKind { rsa, p256, p384, p521, ed25519 };

struct KeyRules {
  int min_rsa_bits = 2048;
  int max_rsa_bits = 4096;
  bool rsa_standard_sizes_only = false;  // only 2048, 3072 and 4096 bits (Let's Encrypt)
  bool p256 = true;
  bool p384 = true;
  bool p521 = false;
  bool ed25519 = false;
};

struct KeyPolicy {
  std::string name;
  KeyRules account;
  KeyRules certificate;
};

// "cobble" (the default: what Let's Encrypt accepts plus P-521 and Ed25519 account keys and
// Ed25519 certificate keys), "pebble" (also RSA from 1024 bits and P-521 in CSRs, as Pebble) or
// "letsencrypt" (RSA 2048/3072/4096, P-256, P-384, nothing else); nullopt for another name.
std::optional<KeyPolicy> key_policy_named(std::string_view name);
// The "cobble" policy: what an unconfigured Cobble applies.
const KeyPolicy& default_key_policy();
// Every key any policy accepts: for keys accepted once already (an account's stored key, which an
// earlier configuration may have allowed), so changing keyPolicy never locks an account out.
KeyRules every_key_rules();

// nullopt when `rules` accept a key of this kind and size, else why not, in words a person can act
// on ("RSA key of 1024 bits is too small (minimum 2048)").
std::optional<std::string> key_refusal(const KeyRules& rules, KeyKind kind, int bits);

// What `rules` accept, for error messages: "RSA 2048-4096, ECDSA P-256/P-384 or Ed25519".
std::string accepted_keys(const KeyRules& rules);

}  // namespace cobble::common
