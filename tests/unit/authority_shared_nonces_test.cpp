#include <catch2/catch.hpp>

#include "authority/shared_nonces.hpp"
#include "common/base64url.hpp"
#include "storage/store.hpp"
#include "support/forwarding_store.hpp"
#include "support/test_database.hpp"

using cobble::authority::SharedNonces;
using cobble::storage::Store;
using Redemption = cobble::acme::Nonces::Redemption;

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
  CHECK(d.b.redeem(nonce) == Redemption::accepted);
  CHECK(d.a.redeem(nonce) == Redemption::refused);
  CHECK(d.b.redeem(nonce) == Redemption::refused);
}

TEST_CASE("a shared nonce that is forged, altered, stale or from another deployment is refused",
          "[authority][nonce][store]") {
  TwoInstances d;
  auto nonce = d.a.issue();
  auto raw = cobble::common::base64url_decode(nonce).value();
  auto altered = raw;
  altered[3] ^= 1;  // the issue time
  CHECK(d.b.redeem(cobble::common::base64url_encode(altered)) == Redemption::refused);
  CHECK(d.b.redeem("not a nonce") == Redemption::refused);
  CHECK(d.b.redeem("") == Redemption::refused);
  CHECK(d.b.redeem(cobble::common::base64url_encode(std::string(32, '\0'))) == Redemption::refused);

  SharedNonces other_deployment(*d.store_b, d.clock, std::string(32, 'x'));
  CHECK(other_deployment.redeem(d.a.issue()) == Redemption::refused);

  auto old = d.a.issue();
  d.clock.advance(std::chrono::minutes(10) + std::chrono::seconds(1));
  CHECK(d.b.redeem(old) == Redemption::refused);
  auto fresh = d.a.issue();
  d.clock.advance(std::chrono::minutes(9));
  CHECK(d.b.redeem(fresh) == Redemption::accepted);
  CHECK(d.a.redeem(nonce) == Redemption::refused);  // stale by now, and redeemed or not it stays refused
}

namespace {
// A database that cannot record anything.
class DownStore final : public cobble::test::ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;
  cobble::storage::Result<bool> redeem_nonce(const std::string&, cobble::storage::TimePoint,
                                             cobble::storage::TimePoint) override {
    return cobble::common::fail(std::errc::resource_unavailable_try_again, "connection refused");
  }
};
}  // namespace

TEST_CASE("a shared nonce that cannot be recorded is neither accepted nor called bad",
          "[authority][nonce][store]") {
  TwoInstances d;
  DownStore down(std::move(Store::open(d.database.location()).value()));
  SharedNonces b(down, d.clock, d.secret);
  auto nonce = d.a.issue();
  CHECK(b.redeem(nonce) == Redemption::unavailable);
  CHECK(d.a.redeem(nonce) == Redemption::accepted);  // still good once the database answers
}
