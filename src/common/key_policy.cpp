#include "common/key_policy.hpp"

namespace cobble::common {
namespace {

// Structural bounds every policy keeps: a larger modulus costs seconds per verification.
constexpr int kMaxRsaBits = 8192;

}  // namespace

std::optional<KeyPolicy> key_policy_named(std::string_view name) {
  if (name == "cobble") {
    return KeyPolicy{"cobble",
                     {.min_rsa_bits = 2048, .max_rsa_bits = kMaxRsaBits, .p521 = true, .ed25519 = true},
                     {.min_rsa_bits = 2048, .max_rsa_bits = 4096, .ed25519 = true}};
  }
  if (name == "pebble") {
    return KeyPolicy{"pebble",
                     {.min_rsa_bits = 1024, .max_rsa_bits = kMaxRsaBits, .p521 = true, .ed25519 = true},
                     {.min_rsa_bits = 1024, .max_rsa_bits = kMaxRsaBits, .p521 = true, .ed25519 = true}};
  }
  if (name == "letsencrypt") {
    KeyRules rules{.min_rsa_bits = 2048, .max_rsa_bits = 4096, .rsa_standard_sizes_only = true};
    return KeyPolicy{"letsencrypt", rules, rules};
  }
  return std::nullopt;
}

const KeyPolicy& default_key_policy() {
  static const KeyPolicy policy = *key_policy_named("cobble");
  return policy;
}

KeyRules every_key_rules() {
  return {.min_rsa_bits = 1024, .max_rsa_bits = kMaxRsaBits, .p521 = true, .ed25519 = true};
}

std::optional<std::string> key_refusal(const KeyRules& rules, KeyKind kind, int bits) {
  switch (kind) {
    case KeyKind::rsa:
      if (bits < rules.min_rsa_bits) {
        return "RSA key of " + std::to_string(bits) + " bits is too small (minimum " +
               std::to_string(rules.min_rsa_bits) + ")";
      }
      if (bits > rules.max_rsa_bits) {
        return "RSA key of " + std::to_string(bits) + " bits is too large (maximum " +
               std::to_string(rules.max_rsa_bits) + ")";
      }
      if (rules.rsa_standard_sizes_only && bits != 2048 && bits != 3072 && bits != 4096) {
        return "RSA key of " + std::to_string(bits) + " bits is not accepted (only 2048, 3072 or 4096)";
      }
      return std::nullopt;
    case KeyKind::p256:
      if (rules.p256) return std::nullopt;
      break;
    case KeyKind::p384:
      if (rules.p384) return std::nullopt;
      break;
    case KeyKind::p521:
      if (rules.p521) return std::nullopt;
      break;
    case KeyKind::ed25519:
      if (rules.ed25519) return std::nullopt;
      return "Ed25519 keys are not accepted (" + accepted_keys(rules) + ")";
  }
  static constexpr const char* kCurveNames[] = {"", "P-256", "P-384", "P-521"};
  return "ECDSA key on curve " + std::string(kCurveNames[static_cast<int>(kind)]) + " is not accepted (" +
         accepted_keys(rules) + ")";
}

std::string accepted_keys(const KeyRules& rules) {
  std::string rsa = rules.rsa_standard_sizes_only ? "RSA 2048/3072/4096"
                                                  : "RSA " + std::to_string(rules.min_rsa_bits) + "-" +
                                                        std::to_string(rules.max_rsa_bits);
  std::string curves;
  for (auto [on, name] : {std::pair{rules.p256, "P-256"}, {rules.p384, "P-384"}, {rules.p521, "P-521"}}) {
    if (on) curves += (curves.empty() ? "" : "/") + std::string(name);
  }
  std::string out = rsa;
  if (!curves.empty()) out += (rules.ed25519 ? ", ECDSA " : " or ECDSA ") + curves;
  if (rules.ed25519) out += " or Ed25519";
  return out;
}

}  // namespace cobble::common
