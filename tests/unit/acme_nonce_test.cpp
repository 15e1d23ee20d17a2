#include <catch2/catch.hpp>
#include <set>

#include "acme/nonce.hpp"

TEST_CASE("nonces are unique, unpredictable-length base64url tokens", "[acme]") {
  cobble::acme::NonceStore store;
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) {
    auto nonce = store.issue();
    CHECK(nonce.size() == 22);
    CHECK(nonce.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
          std::string::npos);
    CHECK(seen.insert(nonce).second);
  }
}

TEST_CASE("a nonce is accepted exactly once", "[acme]") {
  cobble::acme::NonceStore store;
  auto nonce = store.issue();
  CHECK(store.consume(nonce));
  CHECK_FALSE(store.consume(nonce));
  CHECK_FALSE(store.consume("never-issued"));
}

TEST_CASE("the nonce store forgets the oldest nonces beyond its capacity", "[acme]") {
  cobble::acme::NonceStore store(3);
  auto first = store.issue();
  auto second = store.issue();
  store.issue();
  store.issue();
  CHECK(store.outstanding() == 3);
  CHECK_FALSE(store.consume(first));
  CHECK(store.consume(second));
}

TEST_CASE("a nonce is accepted only in the exact form it was issued", "[acme]") {
  cobble::acme::NonceStore store;
  auto nonce = store.issue();
  // The last character carries 4 unused bits: flipping one decodes to the same 16 bytes.
  std::string twin = nonce;
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  twin.back() = alphabet[alphabet.find(nonce.back()) ^ 1];
  CHECK_FALSE(store.consume(twin));
  CHECK_FALSE(store.consume(nonce.substr(0, 21)));
  CHECK_FALSE(store.consume(nonce + "A"));
  CHECK_FALSE(store.consume("!!!!!!!!!!!!!!!!!!!!!!"));
  CHECK(store.consume(nonce));
}

TEST_CASE("nonces stay distinct across many refills of the random buffer", "[acme]") {
  cobble::acme::NonceStore store(1'000'000);
  std::set<std::string> seen;
  for (int i = 0; i < 3000; ++i) CHECK(seen.insert(store.issue()).second);  // ~12 refills of 256
  CHECK(store.outstanding() == 3000);
  for (const auto& nonce : seen) CHECK(store.consume(nonce));
  CHECK(store.outstanding() == 0);
}
