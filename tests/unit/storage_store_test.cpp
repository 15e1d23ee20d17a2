#include <catch2/catch.hpp>
#include <chrono>

#include "storage/store.hpp"
#include "support/test_database.hpp"

using namespace cobble;
using namespace std::chrono_literals;
using cobble::common::AccountStatus;
using cobble::common::AuthzStatus;
using cobble::common::ChallengeStatus;
using cobble::common::OrderStatus;
using cobble::test::TestDatabase;
using storage::AccountRecord;
using storage::AuthzRecord;
using storage::CertificateRecord;
using storage::ChallengeRecord;
using storage::IdentifierRecord;
using storage::OrderRecord;
using storage::Store;
using storage::TimePoint;

namespace Catch {
// A failed check on a Result prints its whole error.
template <class T>
struct StringMaker<std::expected<T, common::Error>> {
  static std::string convert(const std::expected<T, common::Error>& result) {
    if (result) return "success";
    return "error (errc " + std::to_string(static_cast<int>(result.error().code)) +
           "): " + result.error().message;
  }
};
}  // namespace Catch

namespace {

class FailsWith : public Catch::MatcherBase<common::Error> {
 public:
  explicit FailsWith(std::errc code) : code_(code) {}
  bool match(const common::Error& error) const override { return error.code == code_; }
  template <class T>
  bool match(const std::expected<T, common::Error>& result) const {
    return !result && match(result.error());
  }
  std::string describe() const override {
    return "fails with errc " + std::to_string(static_cast<int>(code_));
  }

 private:
  std::errc code_;
};

// Times with microseconds, which the store keeps exactly.
const TimePoint kNow = TimePoint(std::chrono::microseconds(1'750'000'000'123'456));

std::unique_ptr<Store> open_store(const TestDatabase& dir) {
  auto store = Store::open(dir.location());
  REQUIRE(store);
  return std::move(*store);
}

AccountRecord make_account(const std::string& thumbprint) {
  return AccountRecord{.key_thumbprint = thumbprint,
                       .jwk = R"({"kty":"EC","crv":"P-256","x":"x-)" + thumbprint + R"(","y":"y"})",
                       .contacts = {"mailto:a@example.com", "mailto:b@example.com"},
                       .status = AccountStatus::valid,
                       .created_at = kNow};
}

AuthzRecord make_authz(const std::string& id, std::int64_t account_id, const std::string& domain,
                       bool wildcard = false) {
  AuthzRecord authz{.id = id,
                    .account_id = account_id,
                    .identifier = {"dns", domain},
                    .wildcard = wildcard,
                    .status = AuthzStatus::pending,
                    .expires = kNow + 24h};
  authz.challenges = {
      ChallengeRecord{.id = id + "-http", .authz_id = id, .type = "http-01", .token = "tok-" + id + "-1"},
      ChallengeRecord{.id = id + "-dns", .authz_id = id, .type = "dns-01", .token = "tok-" + id + "-2"},
      ChallengeRecord{.id = id + "-alpn", .authz_id = id, .type = "tls-alpn-01", .token = "tok-" + id + "-3"},
  };
  return authz;
}

OrderRecord make_order(const std::string& id, std::int64_t account_id, std::vector<std::string> authz_ids,
                       TimePoint expires = kNow + 7 * 24h) {
  return OrderRecord{.id = id,
                     .account_id = account_id,
                     .status = OrderStatus::pending,
                     .created_at = kNow,
                     .expires = expires,
                     .not_before = kNow + 1s,
                     .not_after = kNow + 90 * 24h + 7us,
                     .identifiers = {{"dns", "example.com"}, {"dns", "*.example.com"}},
                     .authz_ids = std::move(authz_ids),
                     .profile = "classic"};
}

CertificateRecord make_certificate(const std::string& serial, std::int64_t account_id,
                                   const std::string& order_id) {
  return CertificateRecord{.serial = serial,
                           .account_id = account_id,
                           .order_id = order_id,
                           .chain_pem = "-----BEGIN CERTIFICATE-----\nleaf\n-----END CERTIFICATE-----\n",
                           .key_spki = std::string("\x30\x59\x00\x13\xff", 5),
                           .identifiers = {{"dns", "example.com"}, {"ip", "192.0.2.1"}},
                           .not_before = kNow,
                           .not_after = kNow + 90 * 24h};
}

// An account with one order of two new authorizations ("a1", "a2").
struct Fixture {
  TestDatabase dir;
  std::unique_ptr<Store> store = open_store(dir);
  std::int64_t account_id = 0;

  Fixture() {
    auto id = store->create_account(make_account("thumb-1"));
    REQUIRE(id);
    account_id = *id;
    auto wildcard = make_authz("a2", account_id, "example.com", true);
    REQUIRE(store->insert_order(make_order("o1", account_id, {"a1", "a2"}),
                                {make_authz("a1", account_id, "example.com"), wildcard}));
  }
};

}  // namespace

TEST_CASE("accounts get ids 1, 2, ... and round-trip every field", "[storage][store]") {
  TestDatabase dir;
  auto store = open_store(dir);
  auto first = store->create_account(make_account("thumb-1"));
  auto second = store->create_account(make_account("thumb-2"));
  REQUIRE(first);
  REQUIRE(second);
  CHECK(*first == 1);
  CHECK(*second == 2);

  auto found = store->find_account(*second);
  REQUIRE(found);
  CHECK(found->id == 2);
  CHECK(found->key_thumbprint == "thumb-2");
  CHECK(found->jwk == make_account("thumb-2").jwk);
  CHECK(found->contacts == std::vector<std::string>{"mailto:a@example.com", "mailto:b@example.com"});
  CHECK(found->status == AccountStatus::valid);
  CHECK(found->created_at == kNow);

  auto by_thumbprint = store->find_account_by_thumbprint("thumb-1");
  REQUIRE(by_thumbprint);
  CHECK(by_thumbprint->id == 1);
}

TEST_CASE("a second account with the same key thumbprint is refused as file_exists", "[storage][store]") {
  TestDatabase dir;
  auto store = open_store(dir);
  REQUIRE(store->create_account(make_account("thumb-1")));
  CHECK_THAT(store->create_account(make_account("thumb-1")), FailsWith(std::errc::file_exists));
}

TEST_CASE("account contacts and status updates are stored", "[storage][store]") {
  TestDatabase dir;
  auto store = open_store(dir);
  auto id = store->create_account(make_account("thumb-1"));
  REQUIRE(id);
  REQUIRE(store->update_account_contacts(*id, {}));
  REQUIRE(store->update_account_status(*id, AccountStatus::deactivated));
  auto found = store->find_account(*id);
  REQUIRE(found);
  CHECK(found->contacts.empty());
  CHECK(found->status == AccountStatus::deactivated);
  REQUIRE(store->update_account_contacts(*id, {"mailto:new@example.com"}));
  CHECK(store->find_account(*id)->contacts == std::vector<std::string>{"mailto:new@example.com"});

  CHECK_THAT(store->update_account_contacts(99, {}), FailsWith(std::errc::no_such_file_or_directory));
  CHECK_THAT(store->update_account_status(99, AccountStatus::valid),
             FailsWith(std::errc::no_such_file_or_directory));
}

TEST_CASE("key rollover moves the account to the new key unless another account holds it",
          "[storage][store]") {
  TestDatabase dir;
  auto store = open_store(dir);
  auto first = store->create_account(make_account("thumb-1"));
  auto second = store->create_account(make_account("thumb-2"));
  REQUIRE(first);
  REQUIRE(second);

  REQUIRE(store->update_account_key(*first, "thumb-new", "{\"new\":true}"));
  auto moved = store->find_account_by_thumbprint("thumb-new");
  REQUIRE(moved);
  CHECK(moved->id == *first);
  CHECK(moved->jwk == "{\"new\":true}");
  CHECK_THAT(store->find_account_by_thumbprint("thumb-1"), FailsWith(std::errc::no_such_file_or_directory));

  CHECK_THAT(store->update_account_key(*second, "thumb-new", "{}"), FailsWith(std::errc::file_exists));
  CHECK(store->find_account(*second)->key_thumbprint == "thumb-2");
  CHECK_THAT(store->update_account_key(99, "thumb-x", "{}"), FailsWith(std::errc::no_such_file_or_directory));
}

TEST_CASE("an order with its authorizations and challenges round-trips every field", "[storage][store]") {
  Fixture f;
  auto order = f.store->find_order("o1");
  REQUIRE(order);
  const OrderRecord expected = make_order("o1", f.account_id, {"a1", "a2"});
  CHECK(order->id == "o1");
  CHECK(order->account_id == f.account_id);
  CHECK(order->status == OrderStatus::pending);
  CHECK(order->created_at == expected.created_at);
  CHECK(order->expires == expected.expires);
  CHECK(order->not_before == expected.not_before);
  CHECK(order->not_after == expected.not_after);
  CHECK(order->identifiers == expected.identifiers);
  CHECK(order->authz_ids == std::vector<std::string>{"a1", "a2"});
  CHECK(order->error.empty());
  CHECK(order->certificate_serial.empty());
  CHECK(order->profile == "classic");

  auto authz = f.store->find_authz("a2");
  REQUIRE(authz);
  CHECK(authz->account_id == f.account_id);
  CHECK(authz->identifier == IdentifierRecord{"dns", "example.com"});
  CHECK(authz->wildcard);
  CHECK(authz->status == AuthzStatus::pending);
  CHECK(authz->expires == kNow + 24h);
  REQUIRE(authz->challenges.size() == 3);
  const std::vector<std::string> types{authz->challenges[0].type, authz->challenges[1].type,
                                       authz->challenges[2].type};
  CHECK(types == std::vector<std::string>{"http-01", "dns-01", "tls-alpn-01"});
  const ChallengeRecord& http = authz->challenges[0];
  CHECK(http.id == "a2-http");
  CHECK(http.authz_id == "a2");
  CHECK(http.token == "tok-a2-1");
  CHECK(http.status == ChallengeStatus::pending);
  CHECK_FALSE(http.validated_at);
  CHECK(http.error.empty());

  auto challenge = f.store->find_challenge("a2-dns");
  REQUIRE(challenge);
  CHECK(challenge->authz_id == "a2");
  CHECK(challenge->token == "tok-a2-2");
}

TEST_CASE("an order without optional times keeps them empty", "[storage][store]") {
  Fixture f;
  OrderRecord order = make_order("o2", f.account_id, {"a1"});
  order.not_before.reset();
  order.not_after.reset();
  order.profile.clear();
  REQUIRE(f.store->insert_order(order, {}));
  auto found = f.store->find_order("o2");
  REQUIRE(found);
  CHECK_FALSE(found->not_before);
  CHECK_FALSE(found->not_after);
  CHECK(found->authz_ids == std::vector<std::string>{"a1"});
}

TEST_CASE("an order naming a missing authorization is not stored at all", "[storage][store]") {
  Fixture f;
  CHECK_THAT(f.store->insert_order(make_order("o2", f.account_id, {"missing"}),
                                   {make_authz("a3", f.account_id, "other.example")}),
             FailsWith(std::errc::no_such_file_or_directory));
  CHECK_THAT(f.store->find_order("o2"), FailsWith(std::errc::no_such_file_or_directory));
  CHECK_THAT(f.store->find_authz("a3"), FailsWith(std::errc::no_such_file_or_directory));
}

TEST_CASE("missing records are reported as no_such_file_or_directory", "[storage][store]") {
  TestDatabase dir;
  auto store = open_store(dir);
  const FailsWith missing(std::errc::no_such_file_or_directory);
  CHECK_THAT(store->find_account(1), missing);
  CHECK_THAT(store->find_account_by_thumbprint("nope"), missing);
  CHECK_THAT(store->find_order("nope"), missing);
  CHECK_THAT(store->find_authz("nope"), missing);
  CHECK_THAT(store->find_challenge("nope"), missing);
  CHECK_THAT(store->find_certificate("00ff"), missing);
  CHECK_THAT(store->update_authz_status("nope", AuthzStatus::valid), missing);
  CHECK_THAT(store->transition_order("nope", OrderStatus::pending, OrderStatus::processing), missing);
  CHECK_THAT(store->complete_order("nope", make_certificate("01", 1, "nope")), missing);
  CHECK_THAT(store->fail_order("nope", "{}"), missing);
  CHECK_THAT(store->start_challenge("nope", "test-instance"), missing);
  CHECK_THAT(store->finish_challenge({.challenge_id = "nope", .valid = true, .at = kNow}), missing);
  CHECK_THAT(store->revoke_certificate("00ff", 0, kNow), missing);
}

TEST_CASE(
    "a valid authorization is reused only for the same account, identifier and wildcard flag while unexpired",
    "[storage][store]") {
  Fixture f;
  auto other = f.store->create_account(make_account("thumb-2"));
  REQUIRE(other);
  AuthzRecord soon = make_authz("soon", f.account_id, "reuse.example");
  soon.status = AuthzStatus::valid;
  soon.expires = kNow + 1h;
  AuthzRecord later = make_authz("later", f.account_id, "reuse.example");
  later.status = AuthzStatus::valid;
  later.expires = kNow + 2h;
  AuthzRecord expired = make_authz("expired", f.account_id, "old.example");
  expired.status = AuthzStatus::valid;
  expired.expires = kNow;  // expires > now is required
  AuthzRecord pending = make_authz("pending", f.account_id, "pending.example");
  AuthzRecord wildcard = make_authz("wild", f.account_id, "wild.example", true);
  wildcard.status = AuthzStatus::valid;
  AuthzRecord others = make_authz("others", *other, "others.example");
  others.status = AuthzStatus::valid;
  AuthzRecord profiled = make_authz("profiled", f.account_id, "profiled.example");
  profiled.status = AuthzStatus::valid;
  profiled.profile = "tlsserver";
  REQUIRE(f.store->insert_order(make_order("o2", f.account_id, {"soon", "later"}),
                                {soon, later, expired, pending, wildcard, others, profiled}));

  const FailsWith none(std::errc::no_such_file_or_directory);
  auto find = [&](std::int64_t account, IdentifierRecord id, bool wild, storage::TimePoint now,
                  std::optional<std::string> profile = std::nullopt) {
    return f.store->find_valid_authz(
        {.account_id = account, .identifier = id, .wildcard = wild, .now = now, .profile = profile});
  };
  auto reused = find(f.account_id, {"dns", "reuse.example"}, false, kNow);
  REQUIRE(reused);
  CHECK(reused->id == "later");
  CHECK(reused->challenges.size() == 3);
  CHECK_THAT(find(f.account_id, {"dns", "reuse.example"}, false, kNow + 2h), none);
  CHECK_THAT(find(f.account_id, {"dns", "reuse.example"}, true, kNow), none);
  CHECK_THAT(find(f.account_id, {"ip", "reuse.example"}, false, kNow), none);
  CHECK_THAT(find(f.account_id, {"dns", "old.example"}, false, kNow), none);
  CHECK_THAT(find(f.account_id, {"dns", "pending.example"}, false, kNow), none);
  CHECK(find(f.account_id, {"dns", "wild.example"}, true, kNow)->id == "wild");
  CHECK_THAT(find(f.account_id, {"dns", "wild.example"}, false, kNow), none);
  CHECK_THAT(find(f.account_id, {"dns", "others.example"}, false, kNow), none);
  CHECK(find(*other, {"dns", "others.example"}, false, kNow)->id == "others");
  // An order reuses only its own profile's authorizations; revocation takes any.
  CHECK(find(f.account_id, {"dns", "profiled.example"}, false, kNow, "tlsserver")->profile == "tlsserver");
  CHECK_THAT(find(f.account_id, {"dns", "profiled.example"}, false, kNow, "classic"), none);
  CHECK(find(f.account_id, {"dns", "profiled.example"}, false, kNow)->id == "profiled");
}

TEST_CASE("a challenge starts only once", "[storage][store]") {
  Fixture f;
  REQUIRE(f.store->start_challenge("a1-http", "test-instance"));
  CHECK(f.store->find_challenge("a1-http")->status == ChallengeStatus::processing);
  CHECK_THAT(f.store->start_challenge("a1-http", "test-instance"),
             FailsWith(std::errc::operation_not_permitted));
}

TEST_CASE("finishing a challenge records the outcome on the challenge and its authorization",
          "[storage][store]") {
  Fixture f;
  SECTION("valid") {
    CHECK_THAT(f.store->finish_challenge({.challenge_id = "a1-http", .valid = true, .at = kNow}),
               FailsWith(std::errc::operation_not_permitted));
    REQUIRE(f.store->start_challenge("a1-http", "test-instance"));
    REQUIRE(f.store->finish_challenge({.challenge_id = "a1-http", .valid = true, .at = kNow + 5s}));
    auto authz = f.store->find_authz("a1");
    REQUIRE(authz);
    CHECK(authz->status == AuthzStatus::valid);
    CHECK(authz->challenges[0].status == ChallengeStatus::valid);
    CHECK(authz->challenges[0].validated_at == kNow + 5s);
    CHECK(authz->challenges[0].error.empty());
    CHECK(authz->challenges[1].status == ChallengeStatus::pending);
    CHECK(authz->expires == kNow + 24h);  // no valid_until: the pending expiry stays
    CHECK_THAT(f.store->finish_challenge({.challenge_id = "a1-http", .valid = true, .at = kNow}),
               FailsWith(std::errc::operation_not_permitted));
  }
  SECTION("valid, living for the profile's valid lifetime from then") {
    REQUIRE(f.store->start_challenge("a1-http", "test-instance"));
    REQUIRE(f.store->finish_challenge(
        {.challenge_id = "a1-http", .valid = true, .at = kNow + 5s, .valid_until = kNow + 5s + 7h}));
    CHECK(f.store->find_authz("a1")->expires == kNow + 5s + 7h);
  }
  SECTION("invalid") {
    const std::string problem =
        R"({"type":"urn:ietf:params:acme:error:unauthorized","detail":"wrong token"})";
    REQUIRE(f.store->start_challenge("a1-dns", "test-instance"));
    REQUIRE(f.store->finish_challenge({.challenge_id = "a1-dns",
                                       .valid = false,
                                       .at = kNow + 5s,
                                       .valid_until = kNow + 30 * 24h,  // ignored: not valid
                                       .error_json = problem}));
    auto challenge = f.store->find_challenge("a1-dns");
    REQUIRE(challenge);
    CHECK(challenge->status == ChallengeStatus::invalid);
    CHECK_FALSE(challenge->validated_at);
    CHECK(challenge->error == problem);
    CHECK(f.store->find_authz("a1")->status == AuthzStatus::invalid);
    CHECK(f.store->find_authz("a1")->expires == kNow + 24h);
  }
  SECTION("a deactivated authorization stays deactivated") {
    REQUIRE(f.store->start_challenge("a1-http", "test-instance"));
    REQUIRE(f.store->update_authz_status("a1", AuthzStatus::deactivated));
    REQUIRE(f.store->finish_challenge({.challenge_id = "a1-http", .valid = true, .at = kNow}));
    CHECK(f.store->find_authz("a1")->status == AuthzStatus::deactivated);
    CHECK(f.store->find_challenge("a1-http")->status == ChallengeStatus::valid);
  }
}

TEST_CASE("challenges and orders left processing are found for recovery", "[storage][store]") {
  Fixture f;
  using cobble::storage::ClaimScope;
  CHECK(f.store->claim_challenges({.owner = "restarted", .scope = ClaimScope::all_processing})->empty());
  CHECK(f.store->find_processing_orders(std::chrono::seconds(0))->empty());
  REQUIRE(f.store->start_challenge("a2-dns", "test-instance"));
  REQUIRE(f.store->start_challenge("a1-http", "test-instance"));
  REQUIRE(f.store->insert_order(make_order("o2", f.account_id, {"a1"}), {}));
  REQUIRE(f.store->transition_order("o2", OrderStatus::pending, OrderStatus::processing));

  // Their leases still run: another instance finds nothing to take over.
  CHECK(f.store->claim_challenges({.owner = "other"})->empty());
  // The only instance, restarted, takes them all, oldest first, counting the resumption.
  auto challenges = f.store->claim_challenges({.owner = "restarted", .scope = ClaimScope::all_processing});
  REQUIRE(challenges);
  REQUIRE(challenges->size() == 2);
  CHECK((*challenges)[0].challenge.id == "a1-http");
  CHECK((*challenges)[1].challenge.id == "a2-dns");
  CHECK((*challenges)[0].resumed == 1);
  CHECK(
      f.store->claim_challenges({.owner = "restarted", .scope = ClaimScope::all_processing})->at(0).resumed ==
      2);
  CHECK(f.store->find_processing_orders(std::chrono::seconds(0)) == std::vector<std::string>{"o2"});
}

TEST_CASE("an order moves between states only from the expected one", "[storage][store]") {
  Fixture f;
  CHECK_THAT(f.store->transition_order("o1", OrderStatus::processing, OrderStatus::valid),
             FailsWith(std::errc::operation_not_permitted));
  REQUIRE(f.store->transition_order("o1", OrderStatus::pending, OrderStatus::processing));
  CHECK(f.store->find_order("o1")->status == OrderStatus::processing);
  CHECK_THAT(f.store->transition_order("o1", OrderStatus::pending, OrderStatus::processing),
             FailsWith(std::errc::operation_not_permitted));
}

TEST_CASE("an order completes from pending or processing, once, and never once it failed",
          "[storage][store]") {
  Fixture f;
  // Pending: finalize signs first and stores order and certificate in this one transaction.
  REQUIRE(f.store->complete_order("o1", make_certificate("0a", f.account_id, "o1")));
  CHECK(f.store->find_order("o1")->status == OrderStatus::valid);
  // A second finalization that signed meanwhile loses: its certificate is not stored.
  CHECK_THAT(f.store->complete_order("o1", make_certificate("0b", f.account_id, "o1")),
             FailsWith(std::errc::operation_not_permitted));
  CHECK_FALSE(f.store->find_certificate("0b"));

  REQUIRE(f.store->insert_order(make_order("o2", f.account_id, {"a1"}), {}));
  REQUIRE(f.store->fail_order("o2", "{}"));
  CHECK_THAT(f.store->complete_order("o2", make_certificate("0c", f.account_id, "o2")),
             FailsWith(std::errc::operation_not_permitted));
  CHECK_FALSE(f.store->find_certificate("0c"));
}

TEST_CASE("completing an order stores its certificate and links it", "[storage][store]") {
  Fixture f;
  REQUIRE(f.store->transition_order("o1", OrderStatus::pending, OrderStatus::processing));
  REQUIRE(f.store->complete_order("o1", make_certificate("0a1b", f.account_id, "o1")));

  auto order = f.store->find_order("o1");
  REQUIRE(order);
  CHECK(order->status == OrderStatus::valid);
  CHECK(order->certificate_serial == "0a1b");

  auto certificate = f.store->find_certificate("0a1b");
  REQUIRE(certificate);
  const CertificateRecord expected = make_certificate("0a1b", f.account_id, "o1");
  CHECK(certificate->account_id == f.account_id);
  CHECK(certificate->order_id == "o1");
  CHECK(certificate->chain_pem == expected.chain_pem);
  CHECK(certificate->key_spki == expected.key_spki);
  CHECK(certificate->identifiers == expected.identifiers);
  CHECK(certificate->not_before == expected.not_before);
  CHECK(certificate->not_after == expected.not_after);
  CHECK_FALSE(certificate->revoked_at);

  CHECK_THAT(f.store->fail_order("o1", "{}"), FailsWith(std::errc::operation_not_permitted));
}

TEST_CASE("a certificate serial already taken leaves the order processing", "[storage][store]") {
  Fixture f;
  REQUIRE(f.store->insert_order(make_order("o2", f.account_id, {"a1"}), {}));
  REQUIRE(f.store->transition_order("o1", OrderStatus::pending, OrderStatus::processing));
  REQUIRE(f.store->transition_order("o2", OrderStatus::pending, OrderStatus::processing));
  REQUIRE(f.store->complete_order("o1", make_certificate("0a", f.account_id, "o1")));
  CHECK_THAT(f.store->complete_order("o2", make_certificate("0a", f.account_id, "o2")),
             FailsWith(std::errc::file_exists));
  CHECK(f.store->find_order("o2")->status == OrderStatus::processing);
}

TEST_CASE("a failed order keeps its problem", "[storage][store]") {
  Fixture f;
  REQUIRE(f.store->fail_order("o1", R"({"type":"urn:ietf:params:acme:error:badCSR"})"));
  auto order = f.store->find_order("o1");
  REQUIRE(order);
  CHECK(order->status == OrderStatus::invalid);
  CHECK(order->error == R"({"type":"urn:ietf:params:acme:error:badCSR"})");
}

TEST_CASE("a certificate is revoked once", "[storage][store]") {
  Fixture f;
  REQUIRE(f.store->transition_order("o1", OrderStatus::pending, OrderStatus::processing));
  REQUIRE(f.store->complete_order("o1", make_certificate("0a", f.account_id, "o1")));
  REQUIRE(f.store->revoke_certificate("0a", 4, kNow + 3s));
  auto certificate = f.store->find_certificate("0a");
  REQUIRE(certificate);
  CHECK(certificate->revoked_at == kNow + 3s);
  CHECK(certificate->revocation_reason == 4);
  CHECK_THAT(f.store->revoke_certificate("0a", 1, kNow + 4s), FailsWith(std::errc::operation_not_permitted));
  CHECK(f.store->find_certificate("0a")->revocation_reason == 4);
}

TEST_CASE("order ids are listed oldest first by page, without expired orders or other accounts",
          "[storage][store]") {
  Fixture f;  // o1
  auto other = f.store->create_account(make_account("thumb-2"));
  REQUIRE(other);
  REQUIRE(f.store->insert_order(make_order("o2", f.account_id, {"a1"}), {}));
  REQUIRE(f.store->insert_order(make_order("gone", f.account_id, {"a1"}, kNow), {}));
  REQUIRE(f.store->insert_order(make_order("o3", f.account_id, {"a1"}), {}));
  REQUIRE(f.store->insert_order(make_order("theirs", *other, {}), {}));
  REQUIRE(f.store->insert_order(make_order("o4", f.account_id, {"a1"}), {}));

  using Ids = std::vector<std::string>;
  CHECK(f.store->list_order_ids(f.account_id, kNow, 0, 2) == Ids{"o1", "o2"});
  CHECK(f.store->list_order_ids(f.account_id, kNow, 2, 2) == Ids{"o3", "o4"});
  CHECK(f.store->list_order_ids(f.account_id, kNow, 4, 2) == Ids{});
  CHECK(f.store->list_order_ids(f.account_id, kNow, 1, SIZE_MAX) == Ids{"o2", "o3", "o4"});
  CHECK(f.store->list_order_ids(*other, kNow, 0, 10) == Ids{"theirs"});
}

TEST_CASE("everything stored survives closing and reopening the file", "[storage][store]") {
  TestDatabase dir;
  std::int64_t account_id = 0;
  {
    auto store = open_store(dir);
    auto id = store->create_account(make_account("thumb-1"));
    REQUIRE(id);
    account_id = *id;
    REQUIRE(store->insert_order(make_order("o1", account_id, {"a1"}),
                                {make_authz("a1", account_id, "example.com")}));
    REQUIRE(store->transition_order("o1", OrderStatus::pending, OrderStatus::processing));
    REQUIRE(store->complete_order("o1", make_certificate("0a", account_id, "o1")));
  }
  auto store = open_store(dir);
  auto account = store->find_account_by_thumbprint("thumb-1");
  REQUIRE(account);
  CHECK(account->id == account_id);
  CHECK(account->created_at == kNow);
  auto order = store->find_order("o1");
  REQUIRE(order);
  CHECK(order->status == OrderStatus::valid);
  CHECK(order->authz_ids == std::vector<std::string>{"a1"});
  CHECK(order->not_after == make_order("o1", account_id, {}).not_after);
  CHECK(store->find_authz("a1")->challenges.size() == 3);
  auto certificate = store->find_certificate("0a");
  REQUIRE(certificate);
  CHECK(certificate->key_spki == make_certificate("0a", account_id, "o1").key_spki);
}
