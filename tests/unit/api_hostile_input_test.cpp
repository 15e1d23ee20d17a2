#include <catch2/catch.hpp>

#include "support/test_ca.hpp"

// Bad input through the in-process ACME API: each gets a problem document of the right type with
// a fresh nonce, never a 500, and nothing is stored (issue #12).

using cobble::common::ChallengeStatus;
using cobble::test::body_of;
using cobble::test::problem_type;
using cobble::test::TestCa;
using cobble::test::TestClient;

namespace {

void check_problem(const cobble::api::Reply& reply, int status, const std::string& type) {
  CAPTURE(reply.body);
  CHECK(reply.status == status);
  CHECK(problem_type(reply) == type);
  CHECK_FALSE(reply.header("Replay-Nonce").empty());
  CHECK_NOTHROW(nlohmann::json::parse(reply.body));
}

}  // namespace

TEST_CASE("a non-ASCII identifier is rejectedIdentifier with a fresh nonce", "[api][hostile]") {
  TestCa ca;
  TestClient client(ca);
  REQUIRE(client.register_account().status == 201);
  auto reply = client.new_order({"exämple.com"});
  check_problem(reply, 400, "rejectedIdentifier");
  CHECK_THAT(body_of(reply)["detail"].get<std::string>(), Catch::Contains("xn--exmple-cua.com"));
}

TEST_CASE("a non-ASCII contact domain is invalidContact and creates no account", "[api][hostile]") {
  TestCa ca;
  TestClient client(ca);
  auto reply =
      client.register_account({{"termsOfServiceAgreed", true}, {"contact", {"mailto:admin@exämple.com"}}});
  check_problem(reply, 400, "invalidContact");
  CHECK_FALSE(ca.store->find_account(1));
}

TEST_CASE("a request path with raw bytes is a 404 malformed problem with a fresh nonce", "[api][hostile]") {
  TestCa ca;
  TestClient client(ca);
  std::string path = "/acme/\xff\xfe/x";
  // JSON cannot carry those bytes, so the JWS names another URL; routing answers first anyway.
  auto reply = ca.send("POST", path, client.sign(ca.base_url + "/acme/x", "{}"));
  check_problem(reply, 404, "malformed");
  CHECK_THAT(body_of(reply)["detail"].get<std::string>(), Catch::Contains("/acme/\\xff\\xfe/x"));
}

TEST_CASE("newAccount with an empty payload (POST-as-GET) is malformed and creates nothing",
          "[api][hostile]") {
  TestCa ca;
  TestClient client(ca);
  auto reply = ca.send("POST", "/acme/new-account", client.sign(ca.base_url + "/acme/new-account", "", true));
  check_problem(reply, 400, "malformed");
  CHECK_FALSE(ca.store->find_account(1));
}

TEST_CASE("a challenge POST while the validation queue is full is 503 and leaves it pending",
          "[api][hostile]") {
  TestCa ca;
  TestClient client(ca);
  REQUIRE(client.register_account().status == 201);
  auto order = body_of(client.new_order({"queue.example"}));
  auto authz = body_of(client.post_as_get(order["authorizations"][0].get<std::string>()));
  std::string url;
  for (const auto& c : authz["challenges"])
    if (c["type"] == "http-01") url = c["url"];
  ca.scheduler.full = true;
  auto refused = client.post_to(url, nlohmann::json::object());
  check_problem(refused, 503, "serverInternal");
  CHECK(refused.header("Retry-After") == "5");
  CHECK(body_of(client.post_as_get(url))["status"] == "pending");
  ca.scheduler.full = false;
  CHECK(client.post_to(url, nlohmann::json::object()).status == 200);
  CHECK(body_of(client.post_as_get(url))["status"] == "valid");
}

TEST_CASE("an outcome whose problem quotes bytes that are not UTF-8 is recorded and served",
          "[api][hostile]") {
  TestCa ca;
  TestClient client(ca);
  REQUIRE(client.register_account().status == 201);
  // A detail built without Problem::make's cleaning, as a validator bug could: the recorder and
  // every reply must still cope.
  cobble::acme::Problem hostile;
  hostile.type = cobble::acme::ProblemType::connection;
  hostile.status = 400;
  hostile.detail = "Fetching http://hostile.example/x\xff: invalid redirect target";
  ca.scheduler.failure = hostile;
  auto created = client.new_order({"hostile.example"});
  REQUIRE(created.status == 201);
  auto order = body_of(created);
  auto authz_url = order["authorizations"][0].get<std::string>();
  std::string url;
  auto authz = body_of(client.post_as_get(authz_url));
  CAPTURE(authz);
  for (const auto& c : authz["challenges"])
    if (c["type"] == "http-01") url = c["url"];
  REQUIRE(client.post_to(url, nlohmann::json::object()).status == 200);
  auto challenge = client.post_as_get(url);
  REQUIRE(challenge.status == 200);
  auto shown = body_of(challenge);
  CHECK(shown["status"] == "invalid");
  CHECK(shown["error"]["detail"] == "Fetching http://hostile.example/x\xEF\xBF\xBD: invalid redirect target");
  auto attempts = ca.store->list_validation_attempts(1, {"dns", "hostile.example"}, 10);
  REQUIRE(attempts);
  REQUIRE(attempts->size() == 1);
  CHECK((*attempts)[0].result == ChallengeStatus::invalid);
}

TEST_CASE("a validation that keeps stopping the process is failed at the third start, not resumed again",
          "[api][hostile][restart]") {
  TestCa ca;
  TestClient client(ca);
  REQUIRE(client.register_account().status == 201);
  auto order = body_of(client.new_order({"stops.example"}));
  auto authz_url = order["authorizations"][0].get<std::string>();
  std::string id;
  auto authz_body = body_of(client.post_as_get(authz_url));
  INFO(authz_body.dump());
  for (const auto& c : authz_body["challenges"])
    if (c["type"] == "http-01") id = c["url"].get<std::string>().substr(ca.base_url.size() + 12);
  INFO(id);
  auto started = ca.store->start_challenge(id, "test-instance");
  INFO((started ? std::string("ok") : started.error().message));
  REQUIRE(started);
  ca.scheduler.challenges = nullptr;  // the "validation" never ends: each start is a crash before it does
  ca.challenges->resume_interrupted(cobble::storage::ClaimScope::all_processing);
  ca.challenges->resume_interrupted(cobble::storage::ClaimScope::all_processing);
  CHECK(ca.scheduler.tasks.size() == 2);
  CHECK(ca.store->find_challenge(id).value().status == ChallengeStatus::processing);
  ca.challenges->resume_interrupted(cobble::storage::ClaimScope::all_processing);  // the third start
  CHECK(ca.scheduler.tasks.size() == 2);
  auto challenge = ca.store->find_challenge(id).value();
  CHECK(challenge.status == ChallengeStatus::invalid);
  CHECK_THAT(challenge.error, Catch::Contains("interrupted by 2 restarts"));
  auto authz = body_of(client.post_as_get(authz_url));
  CHECK(authz["status"] == "invalid");
}
