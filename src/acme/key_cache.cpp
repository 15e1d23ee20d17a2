#include "acme/key_cache.hpp"

namespace cobble::acme {

Result<PublicKey> KeyCache::from_jwk_text(const std::string& jwk_text) {
  {
    std::lock_guard lock(mu_);
    if (auto it = keys_.find(jwk_text); it != keys_.end()) return it->second;
  }
  auto json = nlohmann::json::parse(jwk_text, nullptr, false);
  if (json.is_discarded()) return fail(Problem::malformed("The JWK is not JSON"));
  auto key = PublicKey::from_jwk(json, common::every_key_rules());  // accepted when stored
  if (!key) return key;
  std::lock_guard lock(mu_);
  if (keys_.size() >= capacity_) keys_.clear();
  keys_.emplace(jwk_text, *key);
  return key;
}

std::size_t KeyCache::size() const {
  std::lock_guard lock(mu_);
  return keys_.size();
}

}  // namespace cobble::acme
