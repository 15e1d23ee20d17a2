#include <catch2/catch.hpp>

#include "acme/key_cache.hpp"

using cobble::acme::KeyCache;
using cobble::acme::PrivateKey;
using cobble::acme::ProblemType;

TEST_CASE("the key cache parses a JWK once and hands out the same key after", "[acme][keycache]") {
  KeyCache cache;
  auto jwk = PrivateKey::generate(PrivateKey::Kind::es256).public_key().to_jwk().dump();
  auto first = cache.from_jwk_text(jwk);
  REQUIRE(first);
  auto second = cache.from_jwk_text(jwk);
  REQUIRE(second);
  CHECK(first->native() == second->native());
  CHECK(first->thumbprint() == second->thumbprint());
  CHECK(cache.size() == 1);
}

TEST_CASE("the key cache refuses what is not a usable JWK and remembers nothing then", "[acme][keycache]") {
  KeyCache cache;
  auto not_json = cache.from_jwk_text("{not json");
  REQUIRE_FALSE(not_json);
  CHECK(not_json.error().type == ProblemType::malformed);
  auto no_key = cache.from_jwk_text(R"({"kty": "EC", "crv": "P-256"})");
  REQUIRE_FALSE(no_key);
  CHECK(cache.size() == 0);
}

TEST_CASE("the key cache stays within its capacity", "[acme][keycache]") {
  KeyCache cache(2);
  for (int i = 0; i < 5; ++i) {
    auto jwk = PrivateKey::generate(PrivateKey::Kind::es256).public_key().to_jwk().dump();
    REQUIRE(cache.from_jwk_text(jwk));
    CHECK(cache.size() <= 2);
  }
}
