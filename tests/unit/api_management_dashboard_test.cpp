// The operator dashboard on the management listener (issue #17): its page, script and style, and
// the JSON they draw, over a whole CA (real SQLite, fake clock).
#include <catch2/catch.hpp>
#include <regex>

#include "app/series_recorder.hpp"
#include "support/test_ca.hpp"

using namespace cobble;
using acme::Problem;
using acme::ProblemType;
using test::body_of;
using test::problem_type;
using test::TestCa;
using test::TestClient;

namespace {

api::Reply get(TestCa& ca, const std::string& target, const api::Headers& headers = {}) {
  api::Request r;
  r.method = "GET";
  auto q = target.find('?');
  r.path = target.substr(0, q);
  if (q != std::string::npos) r.query = target.substr(q + 1);
  r.headers = headers;
  r.base_url = "https://localhost:15000";
  return api::handle_management(r, *ca.management);
}

// A client whose validations fail (connection refused), with `failures` failed authorizations of
// `name`: each a new order whose one challenge fails.
void fail_validations(TestCa& ca, TestClient& client, const std::string& name, int failures) {
  ca.scheduler.failure = Problem::make(ProblemType::connection, "Connection refused");
  for (int i = 0; i < failures; ++i) client.ready_order({name});
  ca.scheduler.failure.reset();
}

std::int64_t sum(const nlohmann::json& values) {
  std::int64_t total = 0;
  for (const auto& v : values)
    if (!v.is_null()) total += v.get<std::int64_t>();
  return total;
}

}  // namespace

TEST_CASE("the dashboard page, script and style come with a CSP that allows no inline code",
          "[api][management][dashboard]") {
  TestCa ca;
  struct Asset {
    std::string path;
    std::string type;
  };
  auto asset = GENERATE(Asset{"/dashboard", "text/html; charset=utf-8"},
                        Asset{"/dashboard/app.js", "text/javascript; charset=utf-8"},
                        Asset{"/dashboard/style.css", "text/css; charset=utf-8"});
  CAPTURE(asset.path);
  auto reply = get(ca, asset.path);
  REQUIRE(reply.status == 200);
  CHECK(reply.content_type == asset.type);
  CHECK_FALSE(reply.body.empty());
  auto csp = std::string(reply.header("Content-Security-Policy"));
  CHECK(
      csp.starts_with("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                      "connect-src 'self'"));
  CHECK(csp.find("unsafe-inline") == std::string::npos);
  CHECK(reply.header("X-Content-Type-Options") == "nosniff");
  CHECK(reply.header("X-Frame-Options") == "DENY");
}

TEST_CASE("the dashboard page has no inline script or style and loads nothing from elsewhere",
          "[api][management][dashboard]") {
  TestCa ca;
  auto page = get(ca, "/dashboard").body;
  CHECK(page.find("<script src=\"/dashboard/app.js\" defer></script>") != std::string::npos);
  CHECK(page.find("<link rel=\"stylesheet\" href=\"/dashboard/style.css\">") != std::string::npos);
  CHECK(page.find("<style") == std::string::npos);
  CHECK(page.find("style=") == std::string::npos);
  CHECK_FALSE(std::regex_search(page, std::regex(" on[a-z]+=")));  // no onclick= and the like
  CHECK(page.find("<meta name=\"viewport\"") != std::string::npos);
  CHECK(page.find("http://") == std::string::npos);
  CHECK(page.find("https://") == std::string::npos);
  auto script = get(ca, "/dashboard/app.js").body;
  CHECK(script.find("innerHTML") == std::string::npos);  // server text reaches the page as text only
  CHECK(script.find("eval(") == std::string::npos);
}

TEST_CASE("with managementToken set, the page is public and its figures need the token",
          "[api][management][dashboard]") {
  TestCa ca;
  ca.management->token = "s3cret";
  CHECK(get(ca, "/dashboard").status == 200);
  CHECK(get(ca, "/dashboard/app.js").status == 200);
  CHECK(get(ca, "/dashboard/style.css").status == 200);
  for (const char* path : {"/dashboard/api/series", "/dashboard/api/pairs", "/dashboard/api/accounts"}) {
    CAPTURE(path);
    auto refused = get(ca, path);
    CHECK(refused.status == 401);
    CHECK(refused.header("WWW-Authenticate").starts_with("Bearer"));
    CHECK(get(ca, path, {{"Authorization", "Bearer s3cret"}}).status == 200);
  }
}

TEST_CASE("the page's own fetches pass the cross-origin guard; another site's are refused",
          "[api][management][dashboard]") {
  TestCa ca;
  CHECK(get(ca, "/dashboard/api/series", {{"Sec-Fetch-Site", "same-origin"}}).status == 200);
  CHECK(get(ca, "/dashboard/api/series",
            {{"Sec-Fetch-Site", "same-origin"}, {"Origin", "https://localhost:15000"}})
            .status == 200);
  CHECK(get(ca, "/dashboard", {{"Sec-Fetch-Site", "none"}}).status == 200);  // typed in the address bar
  CHECK(get(ca, "/dashboard/api/series", {{"Sec-Fetch-Site", "cross-site"}}).status == 403);
  CHECK(get(ca, "/dashboard/api/pairs", {{"Origin", "https://evil.example"}}).status == 403);
}

TEST_CASE("GET /dashboard/api/series lays every series over the window's buckets",
          "[api][management][dashboard]") {
  TestCa ca;
  TestClient client(ca);
  REQUIRE(client.register_account().status == 201);
  client.ready_order({"ok.example"});
  fail_validations(ca, client, "zombie.example", 4);  // burst 3: the 4th pauses the pair
  auto recorder = app::dashboard_recorder(*ca.store, ca.clock, ca.pauses.get(), ca.core.rate_limits.get());
  recorder->flush();

  auto body = body_of(get(ca, "/dashboard/api/series"));
  CAPTURE(body.dump().substr(0, 400));
  CHECK(body["window"] == "24h");
  CHECK(body["resolution"] == "minute");
  CHECK(body["bucketSeconds"] == 60);
  CHECK(body["buckets"] == 1441);
  const auto now = std::chrono::floor<std::chrono::seconds>(ca.clock.now().time_since_epoch()).count();
  CHECK(body["now"] == now);
  CHECK(body["start"] == (now - 86400) / 60 * 60);
  CHECK(body["times"] == "seconds since the Unix epoch (UTC)");
  const auto& series = body["series"];
  for (const char* name :
       {"validations_valid", "validations_invalid", "paused", "repaused", "unpaused", "skipped_for_grace",
        "refused_orders", "rate_limit_denied", "rate_limit_denied:NewOrdersPerAccount", "paused_pairs"}) {
    CAPTURE(name);
    REQUIRE(series.contains(name));
    CHECK(series[name]["values"].size() == 1441);
    CHECK(series[name]["unit"].get<std::string>().size() > 5);
  }
  CHECK(series["validations_valid"]["sum"] == 1);
  CHECK(series["validations_invalid"]["sum"] == 4);
  CHECK(series["validations_invalid"]["values"].back() == 4);  // all in the current minute
  CHECK(series["validations_invalid"]["unit"] == "failed validations per minute");
  CHECK(series["paused"]["sum"] == 1);
  CHECK(series["paused"]["kind"] == "count");
  CHECK(series["paused_pairs"]["kind"] == "gauge");
  CHECK(series["paused_pairs"]["latest"] == 1);
  CHECK(series["paused_pairs"]["values"].back() == 1);
  CHECK(series["paused_pairs"]["values"][0].is_null());  // not sampled then
  CHECK(body["totals"]["paused"] == 1);

  SECTION("30 days, per hour") {
    auto month = body_of(get(ca, "/dashboard/api/series?window=30d"));
    CHECK(month["resolution"] == "hour");
    CHECK(month["bucketSeconds"] == 3600);
    CHECK(month["buckets"] == 721);
    CHECK(month["series"]["validations_invalid"]["values"].size() == 721);
    CHECK(sum(month["series"]["validations_invalid"]["values"]) == 4);
    CHECK(month["series"]["paused"]["unit"] == "pairs paused per hour");
  }
  SECTION("one series by name") {
    auto one = body_of(get(ca, "/dashboard/api/series?name=paused_pairs"));
    CHECK(one["series"].size() == 1);
    CHECK(one["series"]["paused_pairs"]["latest"] == 1);
  }
  SECTION("what happened more than a day ago leaves the 24 h window, not the 30 d one") {
    ca.clock.advance(std::chrono::hours(25));
    auto later = body_of(get(ca, "/dashboard/api/series"));
    CHECK(later["series"]["validations_invalid"]["sum"] == 0);
    CHECK(later["series"]["paused"]["sum"] == 0);
    CHECK(later["totals"]["paused"] == 1);
    auto month = body_of(get(ca, "/dashboard/api/series?window=30d"));
    CHECK(month["series"]["validations_invalid"]["sum"] == 4);
    CHECK(month["series"]["paused"]["sum"] == 1);
  }
}

TEST_CASE("GET /dashboard/api/pairs lists unpaused failing pairs, fewest failures left first",
          "[api][management][dashboard]") {
  TestCa ca;
  TestClient client(ca);
  REQUIRE(client.register_account().status == 201);
  fail_validations(ca, client, "once.example", 1);
  fail_validations(ca, client, "twice.example", 2);
  fail_validations(ca, client, "zombie.example", 4);  // paused: not listed
  auto body = body_of(get(ca, "/dashboard/api/pairs"));
  CAPTURE(body);
  REQUIRE(body["pairs"].size() == 2);
  const auto& first = body["pairs"][0];
  CHECK(first["account"] == 1);
  CHECK(first["identifier"] == "dns:twice.example");
  CHECK(first["failuresLeft"] == 1);  // burst 3, 2 spent
  CHECK(first["burst"] == TestCa::kPauseBurst);
  const auto now = std::chrono::floor<std::chrono::seconds>(ca.clock.now().time_since_epoch()).count();
  CHECK(first["fullAt"] == now + 2 * 86400);  // one token back per 24 h
  CHECK(body["pairs"][1]["identifier"] == "dns:once.example");
  CHECK(body["pairs"][1]["failuresLeft"] == 2);
  CHECK(body_of(get(ca, "/dashboard/api/pairs?limit=1"))["pairs"].size() == 1);

  SECTION("a success resets the pair; a refill restores failures") {
    ca.clock.advance(std::chrono::hours(25));
    auto later = body_of(get(ca, "/dashboard/api/pairs"));
    REQUIRE(later["pairs"].size() == 1);  // once.example's bucket is full again
    CHECK(later["pairs"][0]["failuresLeft"] == 2);
  }
}

TEST_CASE("GET /dashboard/api/accounts ranks accounts by failed validations in the window",
          "[api][management][dashboard]") {
  TestCa ca;
  TestClient one(ca);
  TestClient two(ca);
  REQUIRE(one.register_account().status == 201);
  REQUIRE(two.register_account().status == 201);
  fail_validations(ca, one, "a.example", 1);
  fail_validations(ca, two, "b.example", 2);
  two.ready_order({"fine.example"});
  auto body = body_of(get(ca, "/dashboard/api/accounts?window=24h"));
  CAPTURE(body);
  REQUIRE(body["accounts"].size() == 2);
  CHECK(body["accounts"][0]["account"] == 2);
  CHECK(body["accounts"][0]["failedValidations"] == 2);
  CHECK(body["accounts"][1]["account"] == 1);
  const auto now = std::chrono::floor<std::chrono::seconds>(ca.clock.now().time_since_epoch()).count();
  CHECK(body["accounts"][0]["lastFailure"] == now);
  CHECK(body["since"] == now - 86400);
  ca.clock.advance(std::chrono::hours(25));
  CHECK(body_of(get(ca, "/dashboard/api/accounts"))["accounts"].empty());
  CHECK(body_of(get(ca, "/dashboard/api/accounts?window=30d"))["accounts"].size() == 2);
}

TEST_CASE("bad dashboard query parameters are malformed problems", "[api][management][dashboard]") {
  TestCa ca;
  auto target = GENERATE(
      "/dashboard/api/series?window=7d", "/dashboard/api/series?window=", "/dashboard/api/series?name=nope",
      "/dashboard/api/pairs?limit=0", "/dashboard/api/pairs?limit=101", "/dashboard/api/pairs?limit=ten",
      "/dashboard/api/accounts?window=1h", "/dashboard/api/accounts?limit=-1");
  CAPTURE(target);
  auto reply = get(ca, target);
  CHECK(reply.status == 400);
  CHECK(reply.content_type == "application/problem+json");
  CHECK(problem_type(reply) == "malformed");
}

TEST_CASE("the activity counters name each pause figure and each limit's denials", "[api][dashboard]") {
  TestCa ca(authority::Policy{}, ca::CaOptions{.persist = false}, {}, nullptr,
            ratelimit::LimitTable{
                .limits = {{ratelimit::LimitName::new_orders_per_account, {1, 1, std::chrono::hours(1)}}}});
  TestClient client(ca);
  REQUIRE(client.register_account().status == 201);
  REQUIRE(client.new_order({"a.example"}).status == 201);
  CHECK(client.new_order({"b.example"}).status == 429);
  auto counts = authority::activity_counters(ca.pauses.get(), ca.core.rate_limits.get());
  CHECK(counts.at("rate_limit_denied") == 1);
  CHECK(counts.at("rate_limit_denied:NewOrdersPerAccount") == 1);
  CHECK(counts.at("rate_limit_denied:CertificatesPerDomain") == 0);
  CHECK(counts.at("paused") == 0);
  CHECK(counts.contains("unpaused"));
  CHECK(counts.contains("refused_orders"));
}
