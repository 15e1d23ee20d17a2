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
