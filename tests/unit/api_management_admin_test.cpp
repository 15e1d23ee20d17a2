#include <spdlog/spdlog.h>

#include <catch2/catch.hpp>

#include "support/test_ca.hpp"

using namespace cobble;
using test::TestCa;
using test::TestClient;

namespace {

api::Reply manage(TestCa& ca, std::string method, std::string path, std::string body = "") {
  api::Request r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.body = std::move(body);
  if (!r.body.empty()) r.headers.emplace_back("Content-Type", "application/json");
  r.base_url = "https://localhost:15000";
  return api::handle_management(r, *ca.management);
}

}  // namespace

TEST_CASE("POST /reset wipes accounts, orders and certificates; the CA stays", "[api][management][reset]") {
  TestCa ca;
  ca.management->reset_state = [&ca] { return ca.store->reset(); };
  TestClient client(ca);
  REQUIRE(client.register_account().status == 201);
  auto cert_key = acme::PrivateKey::generate(acme::PrivateKey::Kind::es256);
  auto order = client.valid_order({"reset.example"}, cert_key);
  REQUIRE(ca.store->pause_pair(1, {"dns", "paused.example"}, ca.clock.now(), std::chrono::seconds(0)));
  auto root_before = ca.manage("/roots/0").body;

  auto reply = manage(ca, "POST", "/reset", "{}");
  CHECK(reply.status == 204);

  CHECK(ca.manage("/roots/0").body == root_before);
  auto stale = client.post_as_get(client.kid);
  CHECK(test::problem_type(stale) == "accountDoesNotExist");
  CHECK_FALSE(ca.store->find_account(1));
  CHECK(ca.store->list_paused(1, 10).value().empty());
  CHECK(ca.store->list_validation_attempts(1, {"dns", "reset.example"}, 10).value().empty());
  auto serial = order["certificate"].get<std::string>();
  serial = serial.substr(serial.rfind('/') + 1);
  CHECK(ca.manage("/cert-status-by-serial/" + serial).status == 404);

  // The same key registers again as a new account, and issuance works.
  TestClient again(ca);
  REQUIRE(again.register_account().status == 201);
  CHECK(again.kid != client.kid);
  CHECK(again.new_order({"reset.example"}).status == 201);
}

TEST_CASE("GET /reset is refused with 405", "[api][management][reset]") {
  TestCa ca;
  ca.management->reset_state = [&ca] { return ca.store->reset(); };
  auto reply = manage(ca, "GET", "/reset");
  CHECK(reply.status == 405);
  CHECK(reply.header("Allow") == "POST, OPTIONS");
}

TEST_CASE("GET/POST /log-level reads and sets the level, refusing unknown ones", "[api][management]") {
  TestCa ca;
  auto before = spdlog::get_level();
  CHECK(test::body_of(manage(ca, "POST", "/log-level", R"({"level":"debug"})"))["level"] == "debug");
  CHECK(spdlog::get_level() == spdlog::level::debug);
  CHECK(test::body_of(manage(ca, "GET", "/log-level"))["level"] == "debug");
  auto bad = manage(ca, "POST", "/log-level", R"({"level":"verbose"})");
  CHECK(bad.status == 400);
  CHECK(test::problem_type(bad) == "malformed");
  CHECK_THAT(test::body_of(bad)["detail"].get<std::string>(),
             Catch::Contains("verbose") && Catch::Contains("trace, debug, info"));
  CHECK(manage(ca, "POST", "/log-level", R"({"lvl":"info"})").status == 400);
  CHECK(spdlog::get_level() == spdlog::level::debug);
  spdlog::set_level(before);
}

TEST_CASE("GET/POST /chaos reads and replaces the rules at run time", "[api][management][chaos]") {
  TestCa ca;
  api::Chaos chaos;
  ca.management->chaos = &chaos;
  ca.services->chaos = &chaos;
  CHECK(test::body_of(manage(ca, "GET", "/chaos")) == nlohmann::json::object());
  auto set = manage(ca, "POST", "/chaos", R"({"directory": {"unavailable": 1, "retryAfterSeconds": 4}})");
  CHECK(set.status == 200);
  CHECK(test::body_of(set)["directory"]["unavailable"] == 1.0);
  auto dir = ca.send("GET", "/dir", "", "");
  CHECK(dir.status == 503);
  CHECK(dir.header("Retry-After") == "4");

  auto bad = manage(ca, "POST", "/chaos", R"({"dirctory": {}})");
  CHECK(bad.status == 400);
  CHECK_THAT(test::body_of(bad)["detail"].get<std::string>(), Catch::Contains("dirctory"));
  CHECK(ca.send("GET", "/dir", "", "").status == 503);  // a refused update changes nothing

  CHECK(manage(ca, "POST", "/chaos", "{}").status == 200);
  CHECK(ca.send("GET", "/dir", "", "").status == 200);
}
