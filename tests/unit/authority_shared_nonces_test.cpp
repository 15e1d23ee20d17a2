#include <catch2/catch.hpp>

#include "authority/shared_nonces.hpp"
#include "common/base64url.hpp"
#include "storage/store.hpp"
#include "support/test_database.hpp"

using cobble::authority::SharedNonces;
using cobble::storage::Store;

namespace {

struct TwoInstances {
  cobble::test::TestDatabase database;
  std::unique_ptr<Store> store_a = std::move(Store::open(database.location()).value());
  std::unique_ptr<Store> store_b = std::move(Store::open(database.location()).value());
  cobble::common::FakeClock clock;
  const std::string secret = std::string(32, 's');
  SharedNonces a{*store_a, clock, secret};
  SharedNonces b{*store_b, clock, secret};
};

}  // namespace

TEST_CASE("a shared nonce is accepted once, by whichever instance sees it first",
          "[authority][nonce][store]") {
  TwoInstances d;
  auto nonce = d.a.issue();
  CHECK(nonce.size() == 43);  // 32 bytes, base64url
  CHECK(nonce != d.a.issue());
  CHECK(d.b.consume(nonce));
  CHECK_FALSE(d.a.consume(nonce));
  CHECK_FALSE(d.b.consume(nonce));
}

TEST_CASE("a shared nonce that is forged, altered, stale or from another deployment is refused",
          "[authority][nonce][store]") {
  TwoInstances d;
  auto nonce = d.a.issue();
  auto raw = cobble::common::base64url_decode(nonce).value();
  auto altered = raw;
  altered[3] ^= 1;  // the issue time
  CHECK_FALSE(d.b.consume(cobble::common::base64url_encode(altered)));
  CHECK_FALSE(d.b.consume("not a nonce"));
  CHECK_FALSE(d.b.consume(""));
  CHECK_FALSE(d.b.consume(cobble::common::base64url_encode(std::string(32, '\0'))));

  SharedNonces other_deployment(*d.store_b, d.clock, std::string(32, 'x'));
  CHECK_FALSE(other_deployment.consume(d.a.issue()));

  auto old = d.a.issue();
  d.clock.advance(std::chrono::minutes(10) + std::chrono::seconds(1));
  CHECK_FALSE(d.b.consume(old));
  auto fresh = d.a.issue();
  d.clock.advance(std::chrono::minutes(9));
  CHECK(d.b.consume(fresh));
  CHECK(d.a.consume(nonce) == false);  // stale by now, and redeemed or not it stays refused
}
