// GET /validations: the recorded attempts of a pair with each perspective's result, stored in
// SQLite and read back.
#include <catch2/catch.hpp>

#include "support/test_ca.hpp"

using namespace cobble;
using acme::Problem;
using acme::ProblemType;
using test::body_of;
using test::TestCa;
using test::TestClient;

TEST_CASE("GET /validations lists a pair's attempts with every perspective's result",
          "[api][management][validations]") {
  TestCa ca;
  TestClient client(ca);
  REQUIRE(client.register_account().status == 201);
  auto wrong =
      Problem::make(ProblemType::unauthorized, "The key authorization file from the server is wrong");
  ca.scheduler.perspectives = {
      {"primary", "ARIN", std::nullopt}, {"us-east", "ARIN", std::nullopt}, {"eu-central", "RIPE", wrong}};
  ca.scheduler.failure = Problem::make(ProblemType::unauthorized, "During secondary validation: ...");
  client.ready_order({"mpic.example"});  // the challenge fails: the order stays pending

  auto reply = ca.manage("/validations?account=1&identifier=dns:mpic.example");
  REQUIRE(reply.status == 200);
  auto body = body_of(reply);
  CAPTURE(body);
  CHECK(body["identifier"] == "dns:mpic.example");
  REQUIRE(body["validations"].size() == 1);
  const auto& attempt = body["validations"][0];
  CHECK(attempt["method"] == "http-01");
  CHECK(attempt["status"] == "invalid");
  CHECK(attempt["problem"]["type"] == "urn:ietf:params:acme:error:unauthorized");
  REQUIRE(attempt["perspectives"].size() == 3);
  CHECK(attempt["perspectives"][0] ==
        nlohmann::json{{"name", "primary"}, {"rir", "ARIN"}, {"status", "valid"}});
  CHECK(attempt["perspectives"][1]["name"] == "us-east");
  CHECK(attempt["perspectives"][2]["name"] == "eu-central");
  CHECK(attempt["perspectives"][2]["rir"] == "RIPE");
  CHECK(attempt["perspectives"][2]["status"] == "invalid");
  CHECK(attempt["perspectives"][2]["problem"]["detail"] == wrong.detail);

  SECTION("a single-perspective attempt has no perspectives member") {
    ca.scheduler.perspectives.clear();
    ca.scheduler.failure.reset();
    client.ready_order({"single.example"});
    auto single = body_of(ca.manage("/validations?account=1&identifier=dns:single.example"));
    REQUIRE(single["validations"].size() == 1);
    CHECK(single["validations"][0]["status"] == "valid");
    CHECK_FALSE(single["validations"][0].contains("perspectives"));
  }
  SECTION("another pair, account or limit") {
    CHECK(body_of(ca.manage("/validations?account=2&identifier=dns:mpic.example"))["validations"].empty());
    CHECK(body_of(ca.manage("/validations?account=1&identifier=dns:other.example"))["validations"].empty());
    CHECK(ca.manage("/validations?account=1&identifier=dns:mpic.example&limit=1").status == 200);
  }
}

TEST_CASE("GET /validations refuses bad queries with a problem naming the parameter",
          "[api][management][validations]") {
  TestCa ca;
  auto refused = [&](const std::string& query, const std::string& detail) {
    auto reply = ca.manage("/validations" + query);
    CAPTURE(query, reply.body);
    CHECK(reply.status == 400);
    CHECK(reply.content_type == "application/problem+json");
    CHECK_THAT(body_of(reply)["detail"].get<std::string>(), Catch::Contains(detail));
  };
  refused("", "account");
  refused("?account=0&identifier=dns:a.example", "positive");
  refused("?account=x&identifier=dns:a.example", "positive");
  refused("?account=1", "identifier=dns:");
  refused("?account=1&identifier=a.example", "identifier=dns:");
  refused("?account=1&identifier=dns:a.example&limit=0", "limit");
  refused("?account=1&identifier=dns:a.example&limit=101", "limit");
}
