// http-01 validation against cobble-challsrv in-process: its DNS server answers for the names and
// its http-01 server serves the key authorizations, both on loopback ephemeral ports.
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "support/challsrv_running.hpp"
#include "support/loopback.hpp"
#include "support/outcome_matchers.hpp"
#include "validation/http01.hpp"
#include "validation/resolver.hpp"

namespace asio = boost::asio;
using cobble::acme::ProblemType;
using cobble::challsrv::RecordSet;
using cobble::test::fails_with;
using cobble::test::passes;
using cobble::validation::HttpOptions;
using cobble::validation::Outcome;
using cobble::validation::Request;
using cobble::validation::Resolver;

namespace {

std::string key_authorization_for(const std::string& token) { return token + ".thumbprint-of-the-account"; }

// A validation authority pointed at challsrv: its DNS, its http-01 port, loopback allowed.
struct Http01Setup : cobble::test::ChallSrvResolver {
  HttpOptions options = [this] {
    HttpOptions o;
    o.http_port = challsrv.http01_port();
    o.https_port = challsrv.tlsalpn01_port();  // any port of ours; no https redirect is tested
    o.policy.allow_loopback = true;
    o.timeout = std::chrono::seconds(5);
    return o;
  }();

  Outcome validate(const std::string& host, const std::string& token) {
    const Request request{.type = "http-01",
                          .identifier = {"dns", host},
                          .token = token,
                          .key_authorization = key_authorization_for(token)};
    return cobble::test::run_until_done(io, cobble::validation::validate_http01(resolver, request, options));
  }
  std::string url(const std::string& host, const std::string& path) const {
    return "http://" + host + ":" + std::to_string(options.http_port) + path;
  }
  std::string at(std::uint16_t port) const { return "127.0.0.1:" + std::to_string(port); }
};

}  // namespace

TEST_CASE("http-01 passes when the body is the key authorization", "[validation]") {
  Http01Setup s;
  const std::string body_suffix = GENERATE(std::string(""), std::string("\r\n"), std::string(" \n\t\n"));
  CAPTURE(body_suffix);
  s.challsrv.state().add_http01("tok-pass", key_authorization_for("tok-pass") + body_suffix);

  const auto outcome = s.validate("pass.test", "tok-pass");
  CHECK_THAT(outcome, passes());
  CHECK(outcome.addresses == std::vector<std::string>{s.at(s.options.http_port)});
  CHECK(outcome.redirects.empty());
  const auto seen = s.challsrv.state().http_history("pass.test");
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].url == "/.well-known/acme-challenge/tok-pass");
  CHECK(seen[0].host == "pass.test:" + std::to_string(s.options.http_port));
  CHECK(seen[0].user_agent == s.options.user_agent);
}

TEST_CASE("http-01 with a wrong body is unauthorized and shows what was expected and what came",
          "[validation]") {
  Http01Setup s;
  s.challsrv.state().add_http01("tok-wrong", "something else\n");

  const auto outcome = s.validate("wrong.test", "tok-wrong");
  CHECK_THAT(
      outcome,
      fails_with(ProblemType::unauthorized,
                 "The key authorization file from the server did not match this challenge. Expected \"" +
                     key_authorization_for("tok-wrong") + "\" (got \"something else\")"));
}

TEST_CASE("http-01 answered with 404 is unauthorized and names the URL and the status", "[validation]") {
  Http01Setup s;
  const auto outcome = s.validate("missing.test", "tok-none");
  CHECK_THAT(outcome,
             fails_with(ProblemType::unauthorized,
                        "Invalid response from " +
                            s.url("missing.test", "/.well-known/acme-challenge/tok-none") + ": HTTP 404"));
}

TEST_CASE("http-01 to a port nothing listens on is a refused connection", "[validation]") {
  Http01Setup s;
  s.options.http_port = cobble::test::closed_port();
  const auto outcome = s.validate("closed.test", "tok-closed");
  CHECK_THAT(outcome,
             fails_with(ProblemType::connection,
                        "Fetching " + s.url("closed.test", "/.well-known/acme-challenge/tok-closed") +
                            ": Connection refused"));
  CHECK(outcome.addresses == std::vector<std::string>{s.at(s.options.http_port)});
}

TEST_CASE("http-01 to a server that accepts and never answers times out after connecting", "[validation]") {
  Http01Setup s;
  cobble::test::SilentListener silent;
  s.options.http_port = silent.port();
  s.options.timeout = std::chrono::seconds(1);

  const auto start = std::chrono::steady_clock::now();
  const auto outcome = s.validate("silent.test", "tok-silent");
  const auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK_THAT(outcome, fails_with(ProblemType::connection, "Timeout after connect"));
  CHECK(elapsed >= std::chrono::milliseconds(900));
  CHECK(elapsed < std::chrono::seconds(5));
}

TEST_CASE("http-01 follows a redirect chain and records every URL fetched after the first", "[validation]") {
  Http01Setup s;
  auto& state = s.challsrv.state();
  // An absolute Location, then a relative one; the last path serves the key authorization.
  state.add_redirect("/.well-known/acme-challenge/tok-redirect", s.url("redirect.test", "/step/one"));
  state.add_redirect("/step/one", "/.well-known/acme-challenge/tok-final");
  state.add_http01("tok-final", key_authorization_for("tok-redirect"));

  const auto outcome = s.validate("redirect.test", "tok-redirect");
  CHECK_THAT(outcome, passes());
  CHECK(outcome.redirects ==
        std::vector<std::string>{s.url("redirect.test", "/step/one"),
                                 s.url("redirect.test", "/.well-known/acme-challenge/tok-final")});
  CHECK(outcome.addresses.size() == 3);  // one connection per URL
}

TEST_CASE("http-01 follows a redirect to an IP address target, as Let's Encrypt since 2025-12-03",
          "[validation]") {
  Http01Setup s;
  auto& state = s.challsrv.state();
  const std::string target =
      "http://127.0.0.1:" + std::to_string(s.options.http_port) + "/.well-known/acme-challenge/tok-ip-final";
  state.add_redirect("/.well-known/acme-challenge/tok-ip", target);
  state.add_http01("tok-ip-final", key_authorization_for("tok-ip"));

  const auto outcome = s.validate("redirect.test", "tok-ip");
  CHECK_THAT(outcome, passes());
  CHECK(outcome.redirects == std::vector<std::string>{target});

  SECTION("a private address target is still refused by the address policy") {
    state.add_redirect("/.well-known/acme-challenge/tok-ip-private", "http://10.1.2.3/x");
    CHECK_THAT(s.validate("redirect.test", "tok-ip-private"),
               fails_with(ProblemType::connection, "10.1.2.3 is a private-use address"));
  }
}

TEST_CASE("http-01 refuses a redirect to a port other than 80, 443 and the configured ones", "[validation]") {
  Http01Setup s;
  const std::uint16_t forbidden = s.options.http_port == 8081 || s.options.https_port == 8081 ? 8082 : 8081;
  const std::string target = "http://redirect.test:" + std::to_string(forbidden) + "/elsewhere";
  s.challsrv.state().add_redirect("/.well-known/acme-challenge/tok-port", target);

  const auto outcome = s.validate("redirect.test", "tok-port");
  CHECK_THAT(outcome, fails_with(ProblemType::connection, "invalid port in redirect target " + target));
  CHECK(outcome.redirects.empty());
}

TEST_CASE("http-01 with RedirectPorts::any follows a redirect to any port, as Pebble", "[validation]") {
  Http01Setup s;
  s.options.redirect_ports = cobble::validation::RedirectPorts::any;
  s.options.timeout = std::chrono::seconds(1);
  cobble::test::SilentListener elsewhere;  // reached means followed: it accepts and never answers
  const std::string target = "http://redirect.test:" + std::to_string(elsewhere.port()) + "/elsewhere";
  s.challsrv.state().add_redirect("/.well-known/acme-challenge/tok-any-port", target);

  const auto outcome = s.validate("redirect.test", "tok-any-port");
  CHECK_THAT(outcome, fails_with(ProblemType::connection, "Timeout after connect"));
  CHECK(outcome.redirects == std::vector<std::string>{target});
  CHECK(outcome.addresses.back() == s.at(elsewhere.port()));
}

TEST_CASE("http-01 gives up after ten redirects", "[validation]") {
  Http01Setup s;
  const std::string path = "/.well-known/acme-challenge/tok-loop";
  s.challsrv.state().add_redirect(path, path);  // a redirect to itself, forever

  const auto outcome = s.validate("loop.test", "tok-loop");
  CHECK_THAT(outcome, fails_with(ProblemType::connection, "Too many redirects (more than 10) starting at " +
                                                              s.url("loop.test", path)));
  CHECK(outcome.redirects.size() == 10);
  CHECK(s.challsrv.state().http_history("loop.test").size() == 11);
}

TEST_CASE("http-01 refuses a name that resolves to a private address before connecting", "[validation]") {
  Http01Setup s;
  s.challsrv.state().add_records(RecordSet::a, "private.test", {"10.0.0.1"});

  const auto outcome = s.validate("private.test", "tok-private");
  CHECK_THAT(outcome, fails_with(ProblemType::connection, "10.0.0.1 is a private-use address (RFC 1918)"));
  CHECK_THAT(outcome.problem->detail, Catch::StartsWith("Refusing to contact private.test"));
  CHECK(outcome.addresses.empty());
}

TEST_CASE("http-01 falls back to IPv4 when nothing listens on the IPv6 address", "[validation]") {
  Http01Setup s;
  s.challsrv.state().add_records(RecordSet::aaaa, "dual.test",
                                 {"::1"});  // challsrv listens on 127.0.0.1 only
  s.challsrv.state().add_http01("tok-dual", key_authorization_for("tok-dual"));

  const auto outcome = s.validate("dual.test", "tok-dual");
  CHECK_THAT(outcome, passes());
  const auto port = std::to_string(s.options.http_port);
  CHECK(outcome.addresses == std::vector<std::string>{"[::1]:" + port, "127.0.0.1:" + port});
}

TEST_CASE("http-01 for a name whose DNS fails is a dns problem", "[validation]") {
  Http01Setup s;
  SECTION("SERVFAIL") {
    s.challsrv.state().set_servfail("broken.test");
    const auto outcome = s.validate("broken.test", "tok-dns");
    CHECK_THAT(outcome, fails_with(ProblemType::dns, "SERVFAIL looking up"));
    CHECK_THAT(outcome.problem->detail, Catch::Contains("broken.test"));
    CHECK(outcome.addresses.empty());
  }
  SECTION("NXDOMAIN") {
    s.challsrv.state().set_nxdomain("gone.test");
    const auto outcome = s.validate("gone.test", "tok-dns");
    CHECK_THAT(outcome, fails_with(ProblemType::dns, "DNS problem: NXDOMAIN looking up A for gone.test"));
    CHECK(outcome.addresses.empty());
  }
}

TEST_CASE("http-01 with a body larger than the limit is unauthorized", "[validation]") {
  Http01Setup s;
  s.challsrv.state().add_http01("tok-big", key_authorization_for("tok-big") + std::string(5000, ' '));

  const auto outcome = s.validate("big.test", "tok-big");
  CHECK_THAT(outcome, fails_with(ProblemType::unauthorized, "the response body is larger than 4096 bytes"));
}
