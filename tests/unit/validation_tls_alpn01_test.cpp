// tls-alpn-01 validation against cobble-challsrv in-process: its DNS server answers for the names
// and its tls-alpn-01 server builds the RFC 8737 certificate for each ClientHello.
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "support/challsrv_running.hpp"
#include "support/loopback.hpp"
#include "support/outcome_matchers.hpp"
#include "validation/resolver.hpp"
#include "validation/tls_alpn01.hpp"

namespace asio = boost::asio;
using cobble::acme::ProblemType;
using cobble::test::fails_with;
using cobble::test::passes;
using cobble::validation::Outcome;
using cobble::validation::Request;
using cobble::validation::Resolver;
using cobble::validation::TlsAlpnOptions;

namespace {

const std::string kKeyAuthorization = "tok-alpn.thumbprint-of-the-account";

struct TlsAlpnSetup : cobble::test::ChallSrvResolver {
  TlsAlpnOptions options{.tls_port = challsrv.tlsalpn01_port(),
                         .policy = {.allow_loopback = true},
                         .timeout = std::chrono::seconds(5)};

  Outcome validate(const std::string& host) {
    const Request request{.type = "tls-alpn-01",
                          .identifier = {"dns", host},
                          .token = "tok-alpn",
                          .key_authorization = kKeyAuthorization};
    return cobble::test::run_until_done(io,
                                        cobble::validation::validate_tls_alpn01(resolver, request, options));
  }
  std::string where() const { return "127.0.0.1:" + std::to_string(options.tls_port); }
};

}  // namespace

TEST_CASE("tls-alpn-01 passes when the certificate carries the key authorization's digest", "[validation]") {
  TlsAlpnSetup s;
  s.challsrv.state().add_tlsalpn01("alpn.test", kKeyAuthorization);

  const auto outcome = s.validate("alpn.test");
  CHECK_THAT(outcome, passes());
  CHECK(outcome.addresses == std::vector<std::string>{s.where()});
  const auto seen = s.challsrv.state().tlsalpn_history("alpn.test");
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].server_name == "alpn.test");
  CHECK(seen[0].supported_protos == std::vector<std::string>{"acme-tls/1"});
}

TEST_CASE("tls-alpn-01 with another key authorization is unauthorized and names acmeIdentifier",
          "[validation]") {
  TlsAlpnSetup s;
  s.challsrv.state().add_tlsalpn01("wrong.test", "tok-alpn.another-account");

  const auto outcome = s.validate("wrong.test");
  CHECK_THAT(outcome,
             fails_with(ProblemType::unauthorized,
                        "Incorrect validation certificate for tls-alpn-01 challenge from " + s.where() +
                            ": the acmeIdentifier extension does not hold SHA-256 of the key "
                            "authorization"));
}

TEST_CASE("tls-alpn-01 for a name the server has no certificate for fails the handshake", "[validation]") {
  TlsAlpnSetup s;
  const auto outcome = s.validate("unknown.test");
  CHECK_THAT(outcome,
             fails_with(ProblemType::tls, "TLS handshake with " + s.where() + " for unknown.test failed: "));
  CHECK(outcome.addresses == std::vector<std::string>{s.where()});
  CHECK(s.challsrv.state().tlsalpn_history("unknown.test").size() == 1);  // the ClientHello arrived
}

TEST_CASE("tls-alpn-01 to a port nothing listens on is a refused connection", "[validation]") {
  TlsAlpnSetup s;
  s.options.tls_port = cobble::test::closed_port();
  const auto outcome = s.validate("closed.test");
  CHECK_THAT(outcome, fails_with(ProblemType::connection,
                                 "Connecting to " + s.where() + " for closed.test: Connection refused"));
}
