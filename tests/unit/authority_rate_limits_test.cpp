#include <catch2/catch.hpp>

#include "authority/renewal_info.hpp"
#include "support/test_ca.hpp"

// Let's Encrypt's rate limits through the ACME API (issue #15): which request checks and spends
// which bucket, the 429 a client gets, the renewal exemptions, refill under the fake clock.

using cobble::acme::PrivateKey;
using cobble::ratelimit::LimitName;
using cobble::ratelimit::LimitTable;
using cobble::test::body_of;
using cobble::test::link_target;
using cobble::test::TestCa;
using cobble::test::TestClient;
using namespace std::chrono_literals;

namespace {

LimitTable only(LimitName name, std::int64_t count, std::chrono::seconds period) {
  LimitTable table;
  table.limits[name] = {count, count, period};
  return table;
}

std::unique_ptr<TestCa> ca_with(LimitTable table) {
  return std::make_unique<TestCa>(cobble::authority::Policy{}, cobble::ca::CaOptions{.persist = false},
                                  cobble::storage::StoreOptions{}, nullptr, std::move(table));
}

// A 429 rateLimited naming `words`, with Retry-After within [wait, wait + 3 %] and a help link.
void check_refusal(const cobble::api::Reply& reply, const std::string& words, std::int64_t wait_seconds) {
  REQUIRE(reply.status == 429);
  auto problem = body_of(reply);
  CHECK(problem["type"] == "urn:ietf:params:acme:error:rateLimited");
  CHECK_THAT(problem["detail"].get<std::string>(), Catch::Contains(words) && Catch::Contains("retry after"));
  auto retry_after = std::stoll(std::string(reply.header("Retry-After")));
  CHECK(retry_after >= wait_seconds);
  CHECK(retry_after <= wait_seconds + wait_seconds * 3 / 100 + 1);
  CHECK(link_target(reply, "help").starts_with("https://letsencrypt.org/docs/rate-limits/#"));
  CHECK_FALSE(reply.header("Replay-Nonce").empty());
}

}  // namespace

TEST_CASE("rate limits are off by default", "[authority][ratelimit]") {
  TestCa ca;
  TestClient client(ca);
  REQUIRE(client.register_account().status == 201);
  for (int i = 0; i < 20; ++i) REQUIRE(client.new_order({"many.example.com"}).status == 201);
}

TEST_CASE("new registrations per IP address: refused from one address, not from another",
          "[authority][ratelimit]") {
  auto ca = ca_with(only(LimitName::new_registrations_per_ip_address, 2, 3h));
  for (int i = 0; i < 2; ++i) {
    TestClient client(*ca);
    REQUIRE(client.register_account().status == 201);
  }
  TestClient third(*ca);
  check_refusal(third.register_account(), "new registrations from this IP address (2 per 3h0m0s)", 90 * 60);
  // An existing account's key is not a new registration.
  ca->remote_address = "198.51.100.7";
  REQUIRE(third.register_account().status == 201);
  REQUIRE(third.register_account().status == 200);
}

TEST_CASE("new registrations per IPv6 /48", "[authority][ratelimit]") {
  auto ca = ca_with(only(LimitName::new_registrations_per_ipv6_range, 1, 3h));
  ca->remote_address = "2001:db8:1:1::1";
  TestClient first(*ca);
  REQUIRE(first.register_account().status == 201);
  ca->remote_address = "2001:db8:1:2::1";  // same /48
  TestClient second(*ca);
  check_refusal(second.register_account(), "IPv6 /48", 3 * 3600);
  ca->remote_address = "2001:db8:2::1";
  REQUIRE(second.register_account().status == 201);
}

TEST_CASE("new orders per account refill under the fake clock", "[authority][ratelimit]") {
  auto ca = ca_with(only(LimitName::new_orders_per_account, 2, 1h));
  TestClient client(*ca);
  REQUIRE(client.register_account().status == 201);
  REQUIRE(client.new_order({"a.example.com"}).status == 201);
  REQUIRE(client.new_order({"b.example.com"}).status == 201);
  check_refusal(client.new_order({"c.example.com"}), "new orders from this account (2 per 1h0m0s)", 30 * 60);
  TestClient other(*ca);
  REQUIRE(other.register_account().status == 201);
  REQUIRE(other.new_order({"c.example.com"}).status == 201);
  ca->clock.advance(29min);
  REQUIRE(client.new_order({"c.example.com"}).status == 429);
  ca->clock.advance(1min);
  REQUIRE(client.new_order({"c.example.com"}).status == 201);
}

TEST_CASE("failed authorizations per identifier per account are spent by failures, checked at newOrder",
          "[authority][ratelimit]") {
  auto ca = ca_with(only(LimitName::failed_authorizations_per_domain_per_account, 2, 1h));
  TestClient client(*ca);
  REQUIRE(client.register_account().status == 201);
  ca->scheduler.failure = cobble::acme::Problem::make(cobble::acme::ProblemType::connection, "refused");
  for (int i = 0; i < 2; ++i) client.ready_order({"broken.example.com"});
  check_refusal(client.new_order({"fine.example.com", "broken.example.com"}),
                "failed authorizations for this identifier by this account", 30 * 60);
  REQUIRE(client.new_order({"fine.example.com"}).status == 201);
  TestClient other(*ca);
  REQUIRE(other.register_account().status == 201);
  REQUIRE(other.new_order({"broken.example.com"}).status == 201);
}

TEST_CASE("certificates per registered domain: spent at issuance, checked at newOrder, renewals exempt",
          "[authority][ratelimit]") {
  auto ca = ca_with(only(LimitName::certificates_per_domain, 1, 24h * 7));
  TestClient client(*ca);
  REQUIRE(client.register_account().status == 201);
  auto key = PrivateKey::generate(PrivateKey::Kind::es256);
  REQUIRE(client.new_order({"www.example.co.uk"}).status == 201);  // checked, not spent
  client.valid_order({"shop.example.co.uk"}, key);
  check_refusal(client.new_order({"www.example.co.uk"}), "certificates for this registered domain",
                7 * 24 * 3600);
  REQUIRE(client.new_order({"www.example.org"}).status == 201);
  // The same set again within 120 days is a renewal: not counted against the domain.
  REQUIRE(client.new_order({"shop.example.co.uk"}).status == 201);
}

TEST_CASE("certificates per exact identifier set, in any order or case", "[authority][ratelimit]") {
  auto ca = ca_with(only(LimitName::certificates_per_fqdn_set, 1, 24h * 7));
  TestClient client(*ca);
  REQUIRE(client.register_account().status == 201);
  auto key = PrivateKey::generate(PrivateKey::Kind::es256);
  client.valid_order({"a.example.com", "b.example.com"}, key);
  check_refusal(client.new_order({"B.example.com", "a.example.com"}),
                "certificates for this exact set of identifiers", 7 * 24 * 3600);
  REQUIRE(client.new_order({"a.example.com"}).status == 201);
}

TEST_CASE("an ARI renewal inside its window passes while the account is limited", "[authority][ratelimit]") {
  auto table = only(LimitName::new_orders_per_account, 1, 24h * 7);
  table.limits[LimitName::certificates_per_fqdn_set] = {1, 1, 24h * 7};
  auto ca = ca_with(std::move(table));
  TestClient client(*ca);
  REQUIRE(client.register_account().status == 201);
  auto key = PrivateKey::generate(PrivateKey::Kind::es256);
  auto order = client.valid_order({"renew.example.com"}, key);
  auto url = order["certificate"].get<std::string>();
  auto cert_id = cobble::authority::make_cert_id(ca->ca->issuers().front().key_identifier,
                                                 url.substr(url.rfind('/') + 1));
  nlohmann::json ids = {{{"type", "dns"}, {"value", "renew.example.com"}}};
  REQUIRE(client.new_order({"other.example.com"}).status == 429);
  // Before the renewal window, `replaces` earns no exemption.
  REQUIRE(client.post("/acme/new-order", {{"identifiers", ids}, {"replaces", cert_id}}).status == 429);
  ca->clock.advance(24h * 60);  // two thirds of 90 days, less a day: inside the window
  auto renewal = client.post("/acme/new-order", {{"identifiers", ids}, {"replaces", cert_id}});
  REQUIRE(renewal.status == 201);
  CHECK(body_of(renewal)["replaces"] == cert_id);
}

TEST_CASE("a newOrder refused for another reason spends nothing", "[authority][ratelimit]") {
  auto ca = ca_with(only(LimitName::new_orders_per_account, 1, 1h));
  TestClient client(*ca);
  REQUIRE(client.register_account().status == 201);
  nlohmann::json bad = {{"identifiers", {{{"type", "dns"}, {"value", "x.example.com"}}}},
                        {"profile", "nope"}};
  REQUIRE(client.post("/acme/new-order", bad).status == 400);
  REQUIRE(client.new_order({"x.example.com"}).status == 201);
}

TEST_CASE("the management API lists buckets emptiest first and refills them", "[api][ratelimit]") {
  auto table = only(LimitName::new_orders_per_account, 2, 1h);
  auto ca = ca_with(std::move(table));
  TestClient client(*ca);
  REQUIRE(client.register_account().status == 201);
  REQUIRE(client.new_order({"a.example.com"}).status == 201);
  REQUIRE(client.new_order({"b.example.com"}).status == 201);
  REQUIRE(client.new_order({"c.example.com"}).status == 429);

  auto listed = ca->manage("/rate-limits?prefix=NewOrdersPerAccount:");
  REQUIRE(listed.status == 200);
  auto body = body_of(listed);
  CHECK(body["enabled"] == true);
  REQUIRE(body["buckets"].size() == 1);
  CHECK(body["buckets"][0]["key"] == "NewOrdersPerAccount:1");
  CHECK(body["buckets"][0]["limit"] == "NewOrdersPerAccount");
  CHECK(body["buckets"][0]["tokens"] == 0.0);
  CHECK(body["buckets"][0]["burst"] == 2);
  CHECK(ca->manage("/rate-limits?limit=0").status == 400);

  auto metrics = ca->manage("/metrics").body;
  CHECK_THAT(metrics,
             Catch::Contains(
                 "cobble_rate_limit_decisions_total{limit=\"NewOrdersPerAccount\",decision=\"allowed\"} 2"));
  CHECK_THAT(metrics,
             Catch::Contains(
                 "cobble_rate_limit_decisions_total{limit=\"NewOrdersPerAccount\",decision=\"denied\"} 1"));
  CHECK_THAT(metrics, Catch::Contains("cobble_rate_limit_failed_open_total 0"));

  CHECK(ca->manage("/rate-limits/reset", R"({"prefix": 5})").status == 400);
  auto reset = ca->manage("/rate-limits/reset", R"({"prefix": "NewOrdersPerAccount:1"})");
  REQUIRE(reset.status == 200);
  CHECK(body_of(reset)["reset"] == 1);
  CHECK(body_of(ca->manage("/rate-limits"))["buckets"].empty());
  CHECK(client.new_order({"c.example.com"}).status == 201);
}

TEST_CASE("per-endpoint request limits answer 503 with Retry-After before any work", "[api][ratelimit]") {
  TestCa ca;
  cobble::ratelimit::RequestLimitTable table;
  table.endpoints["newNonce"] = {1, 2};
  cobble::ratelimit::RequestLimiter limiter(ca.clock, table);
  ca.services->request_limiter = &limiter;
  CHECK(ca.send("HEAD", "/acme/new-nonce", "", "").status == 200);
  CHECK(ca.send("HEAD", "/acme/new-nonce", "", "").status == 200);
  auto refused = ca.send("HEAD", "/acme/new-nonce", "", "");
  REQUIRE(refused.status == 503);
  CHECK(refused.header("Retry-After") == "1");
  CHECK(body_of(refused)["type"] == "urn:ietf:params:acme:error:rateLimited");
  CHECK_THAT(body_of(refused)["detail"].get<std::string>(),
             Catch::Contains("too many newNonce requests from 192.0.2.10 (1 per second, burst 2)"));
  CHECK_FALSE(refused.header("Replay-Nonce").empty());
  ca.remote_address = "192.0.2.11";
  CHECK(ca.send("HEAD", "/acme/new-nonce", "", "").status == 200);
  CHECK(ca.send("GET", "/dir", "", "").status == 200);  // no row for the directory
  ca.clock.advance(1s);
  ca.remote_address = "192.0.2.10";
  CHECK(ca.send("HEAD", "/acme/new-nonce", "", "").status == 200);
}

TEST_CASE("overrides give one bucket its own limit, from the table and at run time", "[api][ratelimit]") {
  auto table = only(LimitName::new_orders_per_account, 1, 1h);
  table.overrides["NewOrdersPerAccount:1"] = {3, 3, 1h};
  auto ca = ca_with(std::move(table));
  TestClient big(*ca);
  REQUIRE(big.register_account().status == 201);  // account 1: the override
  TestClient small(*ca);
  REQUIRE(small.register_account().status == 201);  // account 2: the limit
  for (int i = 0; i < 3; ++i) REQUIRE(big.new_order({"big.example.com"}).status == 201);
  check_refusal(big.new_order({"big.example.com"}), "new orders from this account (3 per 1h0m0s)", 20 * 60);
  REQUIRE(small.new_order({"small.example.com"}).status == 201);
  REQUIRE(small.new_order({"small.example.com"}).status == 429);

  // At run time, through the management API.
  auto set = ca->manage("/rate-limits/override",
                        R"({"key": "NewOrdersPerAccount:2", "burst": 5, "count": 5, "periodSeconds": 3600})");
  REQUIRE(set.status == 200);
  // The bucket keeps what it has spent (an hour of the old limit is all of the new one's tokens):
  // the refusal now names the override, and a refilled bucket has its five.
  check_refusal(small.new_order({"small.example.com"}), "(5 per 1h0m0s)", 12 * 60);
  REQUIRE(ca->manage("/rate-limits/reset", R"({"prefix": "NewOrdersPerAccount:2"})").status == 200);
  for (int i = 0; i < 5; ++i) CHECK(small.new_order({"small.example.com"}).status == 201);
  auto listed = body_of(ca->manage("/rate-limits"));
  CHECK(listed["overrides"]["NewOrdersPerAccount:2"]["burst"] == 5);
  CHECK(listed["overrides"]["NewOrdersPerAccount:1"]["burst"] == 3);
  REQUIRE(ca->manage("/rate-limits/override", R"({"key": "NewOrdersPerAccount:2", "remove": true})").status ==
          200);
  check_refusal(small.new_order({"small.example.com"}), "(1 per 1h0m0s)", 3600);
  for (const char* bad : {R"({"key": "NewOrders:2", "burst": 1, "count": 1, "periodSeconds": 1})",
                          R"({"key": "NewOrdersPerAccount:2", "burst": 0, "count": 1, "periodSeconds": 1})",
                          R"({"key": "NewOrdersPerAccount:2", "remove": "yes"})", R"({"burst": 1})"}) {
    CAPTURE(bad);
    CHECK(ca->manage("/rate-limits/override", bad).status == 400);
  }
}
