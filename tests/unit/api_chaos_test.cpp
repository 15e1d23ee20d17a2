#include <catch2/catch.hpp>
#include <deque>

#include "api/chaos.hpp"
#include "support/test_ca.hpp"

using namespace cobble;
using api::Chaos;
using nlohmann::json;
using test::TestCa;
using test::TestClient;

namespace {

// Hands out the given numbers in order, then 0.99 (no fault, no delay at rates below it).
class ScriptedRandom final : public api::RandomSource {
 public:
  explicit ScriptedRandom(std::deque<double> values) : values_(std::move(values)) {}
  double next() override {
    if (values_.empty()) return 0.99;
    double v = values_.front();
    values_.pop_front();
    return v;
  }

 private:
  std::deque<double> values_;
};

api::ChaosSettings parse(const std::string& text) { return api::parse_chaos(json::parse(text)).value(); }

}  // namespace

TEST_CASE("chaos settings refuse unknown endpoints and fields, bad rates and delays", "[api][chaos]") {
  auto [text, said] = GENERATE(table<std::string, std::string>({
      {R"({"newOrdr": {}})", "unknown chaos endpoint 'newOrdr'"},
      {R"({"newOrder": {"rateLimit": 0.1}})", "unknown field chaos.newOrder.rateLimit"},
      {R"({"newOrder": {"rateLimited": 1.5}})", "chaos.newOrder.rateLimited must be a number from 0 to 1"},
      {R"({"newOrder": {"rateLimited": "often"}})", "chaos.newOrder.rateLimited"},
      {R"({"newOrder": {"rateLimited": 0.6, "unavailable": 0.6}})", "add up to more than 1"},
      {R"({"newOrder": {"delayMs": 600000}})", "chaos.newOrder.delayMs must be an integer from 0 to 60000"},
      {R"({"newNonce": {"badNonce": 0.5}})", "newNonce takes no nonce"},
      {R"({"newOrder": 0.5})", "chaos.newOrder must be an object"},
      {R"([1])", "chaos must be an object"},
  }));
  CAPTURE(text);
  auto r = api::parse_chaos(json::parse(text));
  REQUIRE_FALSE(r);
  CHECK_THAT(r.error().message, Catch::Contains(said));
}

TEST_CASE("chaos settings round-trip through JSON", "[api][chaos]") {
  auto settings = parse(
      R"({"finalize": {"rateLimited": 0.25, "delayMs": 200, "delayRate": 0.5, "retryAfterSeconds": 3}})");
  CHECK(api::parse_chaos(api::to_json(settings)).value() == settings);
}

TEST_CASE("chaos decides faults from one roll: rateLimited, then unavailable, then badNonce",
          "[api][chaos]") {
  Chaos chaos(std::make_unique<ScriptedRandom>(std::deque<double>{0.05, 0.15, 0.25, 0.35, 0.25}));
  chaos.set(parse(R"({"newOrder": {"rateLimited": 0.1, "unavailable": 0.1, "badNonce": 0.1,
                                   "retryAfterSeconds": 7}})"));
  auto limited = chaos.decide("newOrder", true);
  REQUIRE(limited.fault);
  CHECK(limited.fault->type == acme::ProblemType::rate_limited);
  CHECK(limited.fault->status == 429);
  CHECK(limited.fault->headers == acme::Problem{}.with_header("Retry-After", "7").headers);
  auto unavailable = chaos.decide("newOrder", true);
  REQUIRE(unavailable.fault);
  CHECK(unavailable.fault->status == 503);
  CHECK(unavailable.fault->type == acme::ProblemType::server_internal);
  auto nonce = chaos.decide("newOrder", true);
  REQUIRE(nonce.fault);
  CHECK(nonce.fault->type == acme::ProblemType::bad_nonce);
  CHECK(nonce.fault->status == 400);
  CHECK_FALSE(chaos.decide("newOrder", true).fault);   // 0.35: past every rate
  CHECK_FALSE(chaos.decide("newOrder", false).fault);  // 0.25 would be badNonce, but not a POST
  CHECK_FALSE(chaos.decide("finalize", true).fault);   // no rule for finalize
}

TEST_CASE("chaos delays the share of requests delayRate says; '*' covers the other endpoints",
          "[api][chaos]") {
  Chaos chaos(std::make_unique<ScriptedRandom>(std::deque<double>{0.2, 0.8}));
  chaos.set(parse(R"({"*": {"delayMs": 250, "delayRate": 0.5}, "newNonce": {}})"));
  CHECK(chaos.decide("authz", true).delay == std::chrono::milliseconds(250));
  CHECK(chaos.decide("authz", true).delay == std::chrono::milliseconds(0));
  CHECK(chaos.decide("newNonce", false).delay == std::chrono::milliseconds(0));  // own (empty) rule
}

TEST_CASE("chaos rates hold over many requests with a seeded random source", "[api][chaos]") {
  Chaos chaos(std::make_unique<api::SeededRandom>(42));
  chaos.set(parse(R"({"order": {"rateLimited": 0.1, "unavailable": 0.2}})"));
  int limited = 0, unavailable = 0;
  for (int i = 0; i < 10'000; ++i) {
    auto d = chaos.decide("order", true);
    if (d.fault && d.fault->status == 429) ++limited;
    if (d.fault && d.fault->status == 503) ++unavailable;
  }
  CHECK(limited > 900);
  CHECK(limited < 1100);
  CHECK(unavailable > 1850);
  CHECK(unavailable < 2150);
}

TEST_CASE("chaos is off by default and rejects no nonce at 0 %", "[api][chaos]") {
  Chaos chaos(std::make_unique<ScriptedRandom>(std::deque<double>{0.0, 0.0}));
  CHECK_FALSE(chaos.decide("newOrder", true).fault);
  CHECK(chaos.decide("newOrder", true).delay.count() == 0);
  CHECK_FALSE(chaos.reject_nonce());
}

TEST_CASE("endpoint names come from the request path", "[api][chaos]") {
  auto [path, name] = GENERATE(table<std::string, std::string>({
      {"/dir", "directory"},
      {"/acme/new-nonce", "newNonce"},
      {"/acme/new-account", "newAccount"},
      {"/acme/acct/1", "account"},
      {"/acme/key-change", "keyChange"},
      {"/acme/new-order", "newOrder"},
      {"/acme/order/abc", "order"},
      {"/acme/order/abc/finalize", "finalize"},
      {"/acme/authz/abc", "authz"},
      {"/acme/chall/abc", "challenge"},
      {"/acme/cert/abc", "certificate"},
      {"/acme/renewal-info/abc.def", "renewalInfo"},
      {"/crl/0", "crl"},
      {"/acme/revoke-cert", "revokeCert"},
  }));
  api::Request request;
  request.path = path;
  CHECK(api::chaos_endpoint(request) == std::optional<std::string_view>(name));
  request.path = "/sfe/v1/unpause";
  CHECK_FALSE(api::chaos_endpoint(request));
}

TEST_CASE("an injected 429 is a problem document with Retry-After and a fresh nonce", "[api][chaos]") {
  TestCa ca;
  Chaos chaos(std::make_unique<ScriptedRandom>(std::deque<double>{0.0}));
  ca.services->chaos = &chaos;
  TestClient client(ca);
  REQUIRE(client.register_account().status == 201);
  chaos.set(parse(R"({"newOrder": {"rateLimited": 0.5, "retryAfterSeconds": 2}})"));
  auto reply = client.new_order({"chaos.example"});
  CHECK(reply.status == 429);
  CHECK(reply.content_type == "application/problem+json");
  CHECK(test::problem_type(reply) == "rateLimited");
  CHECK_THAT(test::body_of(reply)["detail"].get<std::string>(), Catch::Contains("chaos"));
  CHECK(reply.header("Retry-After") == "2");
  CHECK_FALSE(reply.header("Replay-Nonce").empty());
  CHECK(test::has_link(reply, "index"));
  CHECK(client.new_order({"chaos.example"}).status == 201);  // the next roll (0.99) passes
}

TEST_CASE("an injected badNonce hands out a fresh nonce that works", "[api][chaos]") {
  TestCa ca;
  Chaos chaos(std::make_unique<ScriptedRandom>(std::deque<double>{0.0}));
  ca.services->chaos = &chaos;
  TestClient client(ca);
  REQUIRE(client.register_account().status == 201);
  chaos.set(parse(R"({"newOrder": {"badNonce": 1}})"));
  auto refused = client.new_order({"nonce.example"});
  CHECK(refused.status == 400);
  CHECK(test::problem_type(refused) == "badNonce");
  std::string fresh(refused.header("Replay-Nonce"));
  REQUIRE_FALSE(fresh.empty());
  chaos.set({});
  nlohmann::json header = {{"nonce", fresh}, {"url", ca.base_url + "/acme/new-order"}, {"kid", client.kid}};
  auto body =
      acme::sign_jws(client.key, header, R"({"identifiers":[{"type":"dns","value":"nonce.example"}]})");
  CHECK(ca.send("POST", "/acme/new-order", body).status == 201);
}

TEST_CASE("nonceRejectPercent refuses good nonces with badNonce, Pebble's way", "[api][chaos]") {
  TestCa ca;
  Chaos chaos(std::make_unique<ScriptedRandom>(std::deque<double>{0.5, 0.01}));
  ca.services->chaos = &chaos;
  chaos.set_nonce_reject_percent(5);
  TestClient client(ca);
  CHECK(client.register_account().status == 201);  // 0.5 → 50 ≥ 5: accepted
  auto refused = client.new_order({"n.example"});  // 0.01 → 1 < 5: refused
  CHECK(refused.status == 400);
  CHECK(test::problem_type(refused) == "badNonce");
  CHECK_THAT(test::body_of(refused)["detail"].get<std::string>(), Catch::Contains("nonceRejectPercent"));
  CHECK_FALSE(refused.header("Replay-Nonce").empty());
}

TEST_CASE("a slow-response rule delays the reply but runs the handler", "[api][chaos]") {
  TestCa ca;
  Chaos chaos(std::make_unique<ScriptedRandom>(std::deque<double>{0.0}));
  ca.services->chaos = &chaos;
  chaos.set(parse(R"({"directory": {"delayMs": 300}})"));
  auto reply = ca.send("GET", "/dir", "", "");
  CHECK(reply.status == 200);
  CHECK(reply.delay == std::chrono::milliseconds(300));
}
