#include <catch2/catch.hpp>

#include "acme/json_text.hpp"
#include "acme/problem.hpp"

using cobble::acme::Problem;
using cobble::acme::ProblemType;

TEST_CASE("problem types map to their RFC 8555 URNs and statuses", "[acme]") {
  CHECK(cobble::acme::urn(ProblemType::bad_nonce) == "urn:ietf:params:acme:error:badNonce");
  CHECK(cobble::acme::urn(ProblemType::user_action_required) ==
        "urn:ietf:params:acme:error:userActionRequired");
  CHECK(cobble::acme::default_status(ProblemType::rate_limited) == 429);
  CHECK(cobble::acme::default_status(ProblemType::server_internal) == 500);
  CHECK(cobble::acme::default_status(ProblemType::unauthorized) == 403);
}

TEST_CASE("a problem document carries type, detail, status and optional members", "[acme]") {
  auto p = Problem::make(ProblemType::rejected_identifier, "Cannot issue for these names");
  auto sub = Problem::make(ProblemType::rejected_identifier, "bad label");
  sub.identifier = cobble::acme::Identifier{"dns", "-bad.example"};
  p.subproblems.push_back(sub);
  p.instance = "https://example.test/help";
  auto j = cobble::acme::to_json(p);
  CHECK(j["type"] == "urn:ietf:params:acme:error:rejectedIdentifier");
  CHECK(j["status"] == 400);
  CHECK(j["detail"] == "Cannot issue for these names");
  CHECK(j["instance"] == "https://example.test/help");
  CHECK(j["subproblems"][0]["identifier"]["value"] == "-bad.example");
  CHECK_FALSE(cobble::acme::to_json(Problem::malformed("x")).contains("subproblems"));
}

TEST_CASE("HTTP-level refusals keep the malformed type with their own status", "[acme]") {
  CHECK(Problem::not_found("x").status == 404);
  auto p = Problem::method_not_allowed("POST, OPTIONS");
  CHECK(p.status == 405);
  CHECK(p.type == ProblemType::malformed);
  REQUIRE(p.headers.size() == 1);
  CHECK(p.headers[0].first == "Allow");
  CHECK(Problem::payload_too_large("x").status == 413);
  CHECK(Problem::unsupported_media_type("x").status == 415);
}

TEST_CASE("a problem quoting bytes that are not UTF-8 still serialises", "[acme][utf8]") {
  // What a hostile validation target sends: a redirect to a raw byte, a TXT record cut mid-character.
  auto p = Problem::make(ProblemType::connection, "Fetching http://example.test/x\xff: invalid redirect");
  p.subproblems.push_back(Problem::make(ProblemType::dns, std::string(99, 'a') + "\xC3"));
  std::string text;
  REQUIRE_NOTHROW(text = cobble::acme::json_text(cobble::acme::to_json(p), 2));
  auto parsed = nlohmann::json::parse(text);
  CHECK(parsed["detail"] == "Fetching http://example.test/x\xEF\xBF\xBD: invalid redirect");
  CHECK(parsed["subproblems"][0]["detail"] == std::string(99, 'a') + "\xEF\xBF\xBD");
}

TEST_CASE("json_text never throws on a string that is not UTF-8", "[acme][utf8]") {
  nlohmann::json j = {{"path", std::string("/acme/\xff\xfe")}};
  REQUIRE_THROWS(j.dump());  // what nlohmann::json does by itself
  CHECK(nlohmann::json::parse(cobble::acme::json_text(j))["path"] == "/acme/\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST_CASE("an unavailable problem is 503 serverInternal with Retry-After", "[acme]") {
  auto p = Problem::unavailable("The database is busy", 5);
  CHECK(p.type == ProblemType::server_internal);
  CHECK(p.status == 503);
  REQUIRE(p.headers.size() == 1);
  CHECK(p.headers[0] == std::pair<std::string, std::string>{"Retry-After", "5"});
}
