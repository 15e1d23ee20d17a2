#include <catch2/catch.hpp>

#include "support/test_ca.hpp"

// The management API is for operators and scripts, never for web pages (issue #12): no CORS, no
// cross-origin or bodiless state changes, and an optional bearer token.

using namespace cobble;
using test::problem_type;
using test::TestCa;

namespace {

struct Call {
  std::string method = "GET";
  std::string path;
  std::string body;
  std::string content_type;
  api::Headers headers;
};

api::Reply call(TestCa& ca, Call c) {
  api::Request r;
  r.method = c.method;
  r.path = c.path;
  r.body = c.body;
  if (!c.content_type.empty()) r.headers.emplace_back("Content-Type", c.content_type);
  for (auto& h : c.headers) r.headers.push_back(h);
  r.base_url = "https://localhost:15000";
  return api::handle_management(r, *ca.management);
}

bool has_cors_header(const api::Reply& reply) {
  for (const auto& [name, value] : reply.headers)
    if (name.starts_with("Access-Control-")) return true;
  return false;
}

struct Resettable {
  TestCa ca;
  int resets = 0;
  Resettable() {
    ca.management->reset_state = [this]() -> common::Result<void> {
      ++resets;
      return {};
    };
  }
};

}  // namespace

TEST_CASE("the management API sends no CORS headers, even to a browser's request",
          "[api][management][csrf]") {
  TestCa ca;
  auto reply = call(ca, {.path = "/roots/0", .headers = {{"Origin", "https://localhost:15000"}}});
  CHECK(reply.status == 200);
  CHECK_FALSE(has_cors_header(reply));
  auto preflight =
      call(ca, {.method = "OPTIONS",
                .path = "/reset",
                .headers = {{"Origin", "https://evil.example"}, {"Access-Control-Request-Method", "POST"}}});
  CHECK_FALSE(has_cors_header(preflight));
}

TEST_CASE("a state-changing management POST needs a JSON body", "[api][management][csrf]") {
  Resettable r;
  // What a page elsewhere can send without a CORS preflight: no body, a form, plain text.
  auto bodiless = call(r.ca, {.method = "POST", .path = "/reset"});
  CHECK(bodiless.status == 415);
  auto form = call(r.ca, {.method = "POST",
                          .path = "/reset",
                          .body = "a=b",
                          .content_type = "application/x-www-form-urlencoded"});
  CHECK(form.status == 415);
  auto text = call(r.ca, {.method = "POST", .path = "/reset", .body = "{}", .content_type = "text/plain"});
  CHECK(text.status == 415);
  auto empty_json = call(r.ca, {.method = "POST", .path = "/reset", .content_type = "application/json"});
  CHECK(empty_json.status == 400);
  CHECK(r.resets == 0);
  CHECK(call(r.ca, {.method = "POST", .path = "/reset", .body = "{}", .content_type = "application/json"})
            .status == 204);
  CHECK(r.resets == 1);
}

TEST_CASE("a management request from another origin is refused", "[api][management][csrf]") {
  Resettable r;
  auto [header, value] = GENERATE(table<std::string, std::string>({
      {"Origin", "https://evil.example"},
      {"Origin", "null"},
      {"Sec-Fetch-Site", "cross-site"},
      {"Sec-Fetch-Site", "same-site"},
  }));
  CAPTURE(header, value);
  auto reply = call(r.ca, {.method = "POST",
                           .path = "/reset",
                           .body = "{}",
                           .content_type = "application/json",
                           .headers = {{header, value}}});
  CHECK(reply.status == 403);
  CHECK(problem_type(reply) == "unauthorized");
  CHECK(call(r.ca, {.path = "/intermediate-keys/0", .headers = {{header, value}}}).status == 403);
  CHECK(r.resets == 0);
  // The management listener's own pages (same origin) and scripts (no Origin) are served.
  CHECK(call(r.ca, {.path = "/roots/0", .headers = {{"Origin", "https://localhost:15000"}}}).status == 200);
  CHECK(call(r.ca, {.path = "/roots/0", .headers = {{"Sec-Fetch-Site", "none"}}}).status == 200);
}

TEST_CASE("with managementToken set, all but the public reads need the bearer token",
          "[api][management][token]") {
  Resettable r;
  r.ca.management->token = "s3cret-token";
  for (auto path :
       {"/intermediate-keys/0", "/root-keys/0", "/paused?account=1", "/chaos", "/clock", "/metrics"}) {
    CAPTURE(path);
    auto reply = call(r.ca, {.path = path});
    CHECK(reply.status == 401);
    CHECK_THAT(std::string(reply.header("WWW-Authenticate")), Catch::StartsWith("Bearer"));
  }
  auto wrong = call(r.ca, {.method = "POST",
                           .path = "/reset",
                           .body = "{}",
                           .content_type = "application/json",
                           .headers = {{"Authorization", "Bearer s3cret-tokem"}}});
  CHECK(wrong.status == 401);
  CHECK(r.resets == 0);
  auto right = call(r.ca, {.method = "POST",
                           .path = "/reset",
                           .body = "{}",
                           .content_type = "application/json",
                           .headers = {{"Authorization", "Bearer s3cret-token"}}});
  CHECK(right.status == 204);
  CHECK(call(r.ca, {.path = "/intermediate-keys/0", .headers = {{"Authorization", "bearer s3cret-token"}}})
            .status == 200);
  for (auto path : {"/healthz", "/roots/0", "/intermediates/0", "/https-ca"}) {
    CAPTURE(path);
    CHECK(call(r.ca, {.path = path}).status == 200);
  }
}

TEST_CASE("POST /pause with an identifier that is not a string is malformed", "[api][management]") {
  TestCa ca;
  ca.management->pauses = ca.pauses.get();
  auto body = GENERATE(as<std::string>{}, R"({"account": 1, "identifier": 5})",
                       R"({"account": 1, "identifier": ["dns:a.example"]})", R"({"account": 1})");
  CAPTURE(body);
  auto reply =
      call(ca, {.method = "POST", .path = "/pause", .body = body, .content_type = "application/json"});
  CHECK(reply.status == 400);
  CHECK(problem_type(reply) == "malformed");
}
