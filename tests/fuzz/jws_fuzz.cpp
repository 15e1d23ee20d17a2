// JWS and JWK parsing and verification (RFC 7515, 7517, 8037), and the external account binding.
#include "acme/eab.hpp"
#include "acme/json_text.hpp"
#include "acme/jws.hpp"
#include "fuzz_input.hpp"

using namespace cobble;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto body = fuzz::as_text(data, size);
  auto jws = acme::parse_jws(body, size % 2 == 0);
  if (!jws) {
    (void)acme::json_text(acme::to_json(jws.error()));
    return 0;
  }
  if (jws->jwk) {
    auto key = acme::PublicKey::from_jwk(*jws->jwk);
    if (key) {
      (void)acme::verify_jws(*jws, *key);
      (void)key->thumbprint();
      (void)key->spki_der();
    } else {
      (void)acme::json_text(acme::to_json(key.error()));
    }
  }
  auto payload = nlohmann::json::parse(jws->payload, nullptr, false);
  if (payload.is_object() && payload.contains("externalAccountBinding")) {
    auto binding = acme::parse_external_account_binding(payload["externalAccountBinding"], jws->url);
    if (binding) {
      (void)acme::verify_external_account_binding_mac(*binding, "fuzz-mac-key");
      (void)acme::PublicKey::from_jwk(binding->payload_jwk);
    }
  }
  return 0;
}
