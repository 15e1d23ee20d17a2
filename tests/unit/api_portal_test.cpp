#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "api/portal/pages.hpp"
#include "api/portal/portal.hpp"
#include "pause/unpause_token.hpp"
#include "support/test_ca.hpp"

// The self-service unpause portal (pausing.md "The self-service portal") through api::handle_acme:
// the refusal a paused pair gets at newOrder, the form, the button, the status page, and the
// browser protections every page carries.

using cobble::acme::Problem;
using cobble::acme::ProblemType;
using cobble::api::Headers;
using cobble::api::Reply;
using cobble::test::body_of;
using cobble::test::problem_type;
using cobble::test::TestCa;
using cobble::test::TestClient;

namespace {

struct Fixture {
  TestCa ca;
  TestClient client{ca};
  std::int64_t account_id = 0;

  Fixture() {
    REQUIRE(client.register_account().status == 201);
    account_id = std::stoll(client.kid.substr(client.kid.rfind('/') + 1));
  }

  void pause(const std::string& name) {
    auto effect = ca.pauses->pause_pair(account_id, {"dns", name});
    REQUIRE(effect.has_value());
  }
  bool paused(const std::string& name) {
    auto names = ca.pauses->paused_identifiers(account_id, 100);
    REQUIRE(names.has_value());
    return std::find(names->begin(), names->end(), name) != names->end();
  }
  std::string token(const std::vector<std::string>& identifiers) {
    return cobble::pause::make_unpause_token(ca.pause_secret, account_id, identifiers, ca.clock.now());
  }
  // A browser-like request to the ACME listener.
  Reply browse(const std::string& method, const std::string& path_and_query, Headers headers = {}) {
    cobble::api::Request r;
    r.method = method;
    auto q = path_and_query.find('?');
    r.path = path_and_query.substr(0, q);
    if (q != std::string::npos) r.query = path_and_query.substr(q + 1);
    r.base_url = ca.base_url;
    r.headers = std::move(headers);
    if (method == "POST") r.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    return cobble::api::handle_acme(r, *ca.services);
  }
  Reply form(const std::string& jwt, Headers headers = {}) {
    return browse("GET", "/sfe/v1/unpause?jwt=" + jwt, std::move(headers));
  }
  Reply submit(const std::string& jwt, Headers headers = {}) {
    return browse("POST", "/sfe/v1/do-unpause?jwt=" + jwt, std::move(headers));
  }
  Reply status(const std::string& count, Headers headers = {}) {
    return browse("GET", "/sfe/v1/unpause-status?count=" + count, std::move(headers));
  }
};

bool contains(const Reply& reply, const std::string& text) {
  return reply.body.find(text) != std::string::npos;
}

void require_page_headers(const Reply& reply) {
  CAPTURE(reply.status, reply.body);
  CHECK(reply.content_type == "text/html; charset=utf-8");
  auto csp = std::string(reply.header("Content-Security-Policy"));
  CHECK(csp.find("default-src 'none'") != std::string::npos);
  CHECK(csp.find("frame-ancestors 'none'") != std::string::npos);
  CHECK(csp.find("form-action 'self'") != std::string::npos);
  CHECK(csp.find("script") == std::string::npos);
  CHECK(reply.header("X-Frame-Options") == "DENY");
  CHECK(reply.header("Cache-Control") == "no-store");
  CHECK(reply.header("X-Content-Type-Options") == "nosniff");
  CHECK(reply.header("Referrer-Policy") == "no-referrer");
  CHECK(reply.header("Access-Control-Allow-Origin").empty());
  CHECK(reply.body.find("<script") == std::string::npos);
}

}  // namespace

TEST_CASE("new-order refuses an identifier paused by repeated failures and links to the portal", "[api]") {
  Fixture f;
  f.ca.scheduler.failure = Problem::make(ProblemType::connection, "Connection refused");
  for (int i = 0; i <= TestCa::kPauseBurst; ++i) {
    auto created = f.client.new_order({"zombie.example"});
    REQUIRE(created.status == 201);
    auto authz = body_of(f.client.post_as_get(body_of(created)["authorizations"][0].get<std::string>()));
    for (const auto& c : authz["challenges"])
      if (c["type"] == "http-01") f.client.post_to(c["url"].get<std::string>(), nlohmann::json::object());
  }
  REQUIRE(f.paused("zombie.example"));

  auto refused = f.client.new_order({"zombie.example"});
  CAPTURE(refused.body);
  REQUIRE(refused.status == 403);
  CHECK(problem_type(refused) == "userActionRequired");
  auto url = body_of(refused)["instance"].get<std::string>();
  CHECK(url.starts_with(f.ca.base_url + "/sfe/v1/unpause?jwt="));
  CHECK(cobble::test::link_target(refused, "help") == url);
  auto detail = body_of(refused)["detail"].get<std::string>();
  CHECK(detail.find("zombie.example") != std::string::npos);
  CHECK(detail.find(url) != std::string::npos);

  f.ca.scheduler.failure.reset();
  CHECK(f.client.new_order({"healthy.example"}).status == 201);

  // The link in the problem opens the form.
  auto page = f.browse("GET", url.substr(f.ca.base_url.size()));
  CHECK(page.status == 200);
  CHECK(contains(page, "zombie.example"));
}

TEST_CASE("the unpause page shows the account and identifiers and does not unpause", "[api]") {
  Fixture f;
  f.pause("a.example");
  auto jwt = f.token({"a.example", "b.example"});
  auto page = f.form(jwt);
  REQUIRE(page.status == 200);
  require_page_headers(page);
  CHECK(contains(page, "<html lang=\"en\">"));
  CHECK(contains(page, "<code>a.example</code>"));
  CHECK(contains(page, "<code>b.example</code>"));
  CHECK(contains(page, std::to_string(f.account_id)));
  CHECK(contains(page, "including, but not limited to"));
  CHECK(contains(page, "/.well-known/acme-challenge/"));
  CHECK(contains(page, "staging"));
  CHECK(contains(page, "<form method=\"post\" action=\"/sfe/v1/do-unpause?jwt=" + jwt + "\">"));
  CHECK(contains(page, "viewport"));
  CHECK(f.paused("a.example"));
}

TEST_CASE("the button unpauses every paused identifier and redirects to the status page", "[api]") {
  Fixture f;
  f.pause("a.example");
  f.pause("b.example");
  f.pause("c.example");
  auto done =
      f.submit(f.token({"a.example"}), {{"Origin", f.ca.base_url}, {"Sec-Fetch-Site", "same-origin"}});
  REQUIRE(done.status == 302);
  CHECK(done.header("Location") == "/sfe/v1/unpause-status?count=3");
  require_page_headers(done);
  CHECK(done.header("Replay-Nonce").empty());
  CHECK_FALSE(f.paused("a.example"));
  CHECK_FALSE(f.paused("c.example"));
  CHECK(f.client.new_order({"b.example"}).status == 201);

  // A second click finds nothing left.
  auto again = f.submit(f.token({"a.example"}));
  REQUIRE(again.status == 302);
  CHECK(again.header("Location") == "/sfe/v1/unpause-status?count=0");
}

TEST_CASE("the status page words the outcome by count", "[api]") {
  Fixture f;
  auto max = f.ca.pauses->settings().policy.max_unpaused_per_request;
  struct Case {
    std::string count;
    int status;
    std::string text;
  };
  auto c = GENERATE_COPY(Case{"3", 200, "Successfully unpaused all 3 identifiers"},
                         Case{"1", 200, "Successfully unpaused 1 identifier"},
                         Case{"0", 200, "Account already unpaused"},
                         Case{std::to_string(max), 200, "Some identifiers were unpaused"},
                         Case{"-1", 400, "Invalid status address"}, Case{"x", 400, "Invalid status address"},
                         Case{"", 400, "Invalid status address"},
                         Case{"99999999999999999999999", 400, "Invalid status address"});
  CAPTURE(c.count);
  auto page = f.status(c.count);
  CHECK(page.status == c.status);
  CHECK(contains(page, c.text));
  require_page_headers(page);
}

TEST_CASE("a cross-origin unpause is refused and unpauses nothing", "[api]") {
  Fixture f;
  f.pause("a.example");
  auto headers = GENERATE(Headers{{"Origin", "https://evil.test"}}, Headers{{"Sec-Fetch-Site", "cross-site"}},
                          Headers{{"Sec-Fetch-Site", "same-site"}, {"Origin", "https://ca.test:14000"}},
                          Headers{{"Origin", "null"}});
  auto refused = f.submit(f.token({"a.example"}), headers);
  CHECK(refused.status == 403);
  CHECK(contains(refused, "Request refused"));
  require_page_headers(refused);
  CHECK(f.paused("a.example"));
}

TEST_CASE("an expired link shows the expired page and unpauses nothing", "[api]") {
  Fixture f;
  f.pause("a.example");
  auto jwt = f.token({"a.example"});
  f.ca.clock.advance(std::chrono::days(15));
  auto page = f.form(jwt);
  CHECK(page.status == 200);
  CHECK(contains(page, "Expired unpause link"));
  CHECK(contains(page, "Retry issuance"));
  CHECK_FALSE(contains(page, "<form"));
  require_page_headers(page);
  auto post = f.submit(jwt);
  CHECK(contains(post, "Expired unpause link"));
  CHECK(f.paused("a.example"));
}

TEST_CASE("a tampered, foreign or missing token shows the invalid link page", "[api]") {
  Fixture f;
  f.pause("a.example");
  auto jwt = f.token({"a.example"});
  auto tampered = jwt;
  tampered[tampered.size() - 3] = tampered[tampered.size() - 3] == 'A' ? 'B' : 'A';
  auto foreign =
      cobble::pause::make_unpause_token(std::string(32, 'z'), f.account_id, {"a.example"}, f.ca.clock.now());
  auto target = GENERATE_COPY("/sfe/v1/unpause?jwt=" + tampered, "/sfe/v1/unpause?jwt=" + foreign,
                              std::string("/sfe/v1/unpause?jwt=abc"), std::string("/sfe/v1/unpause"));
  CAPTURE(target);
  auto page = f.browse("GET", target);
  CHECK(page.status == 400);
  CHECK(contains(page, "Invalid unpause link"));
  require_page_headers(page);
  auto post = f.browse("POST", "/sfe/v1/do-unpause" + target.substr(std::string("/sfe/v1/unpause").size()));
  CHECK(post.status == 400);
  CHECK(f.paused("a.example"));
}

TEST_CASE("identifiers from the token are HTML-escaped", "[api]") {
  Fixture f;
  auto page = f.form(f.token({"<script>alert(1)</script>", "x\"onmouseover='y'&z"}));
  REQUIRE(page.status == 200);
  CHECK_FALSE(contains(page, "<script>"));
  CHECK(contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;"));
  CHECK(contains(page, "x&quot;onmouseover=&#39;y&#39;&amp;z"));
}

TEST_CASE("pages speak the language Accept-Language prefers", "[api]") {
  Fixture f;
  auto jwt = f.token({"a.example"});
  auto german = f.form(jwt, {{"Accept-Language", "fr;q=0.5, de-DE, en;q=0.8"}});
  CHECK(contains(german, "<html lang=\"de\">"));
  CHECK(contains(german, "Bitte mein Konto entsperren"));
  CHECK(contains(f.status("2", {{"Accept-Language", "de"}}), "Alle 2 Bezeichner erfolgreich entsperrt"));
  CHECK(contains(f.form(jwt, {{"Accept-Language", "es"}}), "<html lang=\"es\">"));
  CHECK(contains(f.form(jwt, {{"Accept-Language", "zh-CN,zh;q=0.9"}}), "<html lang=\"zh\">"));
  CHECK(contains(f.form(jwt, {{"Accept-Language", "ja, fr;q=0.1"}}), "<html lang=\"fr\">"));
  CHECK(contains(f.form(jwt, {{"Accept-Language", "ja, de;q=0"}}), "<html lang=\"en\">"));
}

TEST_CASE("language negotiation respects q-values and falls back to English", "[api]") {
  using cobble::api::portal::Language;
  using cobble::api::portal::negotiate_language;
  CHECK(negotiate_language("") == Language::en);
  CHECK(negotiate_language("de") == Language::de);
  CHECK(negotiate_language("DE-at") == Language::de);
  CHECK(negotiate_language("en;q=0.2, es;q=0.9") == Language::es);
  CHECK(negotiate_language("fr, de") == Language::fr);
  CHECK(negotiate_language("zh-TW;q=0.7, *;q=0.5") == Language::zh);
  CHECK(negotiate_language("de;q=oops, fr;q=0.1") == Language::fr);
  CHECK(negotiate_language("it, pt") == Language::en);
}

TEST_CASE("unknown portal pages and wrong methods get HTML pages", "[api]") {
  Fixture f;
  auto missing = f.browse("GET", "/sfe/v1/nothing");
  CHECK(missing.status == 404);
  require_page_headers(missing);
  auto get_submit = f.browse("GET", "/sfe/v1/do-unpause?jwt=x");
  CHECK(get_submit.status == 405);
  CHECK(get_submit.header("Allow") == "POST, OPTIONS");
  require_page_headers(get_submit);
  CHECK(cobble::test::headers_named(get_submit, "Link").empty());
}

TEST_CASE("query parameters are percent-decoded", "[api]") {
  using cobble::api::query_param;
  CHECK(query_param("a=1&jwt=x%2Ey+z", "jwt") == "x.y z");
  CHECK(query_param("jwt", "jwt") == "");
  CHECK_FALSE(query_param("a=1", "jwt").has_value());
  CHECK(query_param("jwt=%zz", "jwt") == "%zz");
}
