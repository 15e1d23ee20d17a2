// IP identifiers (RFC 8738) in http-01 and tls-alpn-01, against cobble-challsrv in-process.
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "acme/identifiers.hpp"
#include "support/challsrv_running.hpp"
#include "support/loopback.hpp"
#include "support/outcome_matchers.hpp"
#include "validation/http01.hpp"
#include "validation/resolver.hpp"
#include "validation/tls_alpn01.hpp"

namespace asio = boost::asio;
using cobble::acme::ProblemType;
using cobble::test::fails_with;
using cobble::test::passes;
using cobble::validation::Outcome;
using cobble::validation::Request;
using cobble::validation::Resolver;

namespace {

const std::string kKeyAuthorization = "tok-ip.thumbprint-of-the-account";

struct IpSetup : cobble::test::ChallSrvResolver {
  Request request(const std::string& type, const std::string& address) const {
    return {.type = type,
            .identifier = {"ip", address},
            .token = "tok-ip",
            .key_authorization = kKeyAuthorization};
  }
  Outcome http01(const std::string& address) {
    cobble::validation::HttpOptions o;
    o.http_port = challsrv.http01_port();
    o.policy.allow_loopback = true;
    o.timeout = std::chrono::seconds(5);
    return cobble::test::run_until_done(
        io, cobble::validation::validate_http01(resolver, request("http-01", address), o));
  }
  Outcome tls_alpn01(const std::string& address) {
    cobble::validation::TlsAlpnOptions o{.tls_port = challsrv.tlsalpn01_port(),
                                         .policy = {.allow_loopback = true},
                                         .timeout = std::chrono::seconds(5)};
    return cobble::test::run_until_done(
        io, cobble::validation::validate_tls_alpn01(resolver, request("tls-alpn-01", address), o));
  }
};

}  // namespace

TEST_CASE("reverse-DNS names of addresses follow RFC 8738 §6", "[validation][ip]") {
  CHECK(cobble::acme::reverse_dns_name("192.0.2.1") == "1.2.0.192.in-addr.arpa");
  CHECK(cobble::acme::reverse_dns_name("2001:db8::1") ==
        "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
  CHECK(cobble::acme::reverse_dns_name("example.com").empty());
}

TEST_CASE("http-01 for an IP address fetches from the address with the address as Host", "[validation][ip]") {
  IpSetup s;
  s.challsrv.state().add_http01("tok-ip", kKeyAuthorization);
  auto outcome = s.http01("127.0.0.1");
  CHECK_THAT(outcome, passes());
  CHECK(outcome.addresses ==
        std::vector<std::string>{"127.0.0.1:" + std::to_string(s.challsrv.http01_port())});
  auto seen = s.challsrv.state().http_history("127.0.0.1");
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].host == "127.0.0.1:" + std::to_string(s.challsrv.http01_port()));
}

TEST_CASE("http-01 for a private address is refused before connecting", "[validation][ip]") {
  IpSetup s;
  CHECK_THAT(
      s.http01("10.0.0.1"),
      fails_with(ProblemType::connection, "Refusing to contact 10.0.0.1: 10.0.0.1 is a private-use address"));
}

TEST_CASE("tls-alpn-01 for an IP address sends the reverse name as SNI and checks the iPAddress SAN",
          "[validation][ip]") {
  IpSetup s;
  s.challsrv.state().add_tlsalpn01("127.0.0.1", kKeyAuthorization);
  CHECK_THAT(s.tls_alpn01("127.0.0.1"), passes());
  auto seen = s.challsrv.state().tlsalpn_history("1.0.0.127.in-addr.arpa");
  REQUIRE(seen.size() == 1);
}

TEST_CASE("tls-alpn-01 for an IP address with another key authorization is unauthorized",
          "[validation][ip]") {
  IpSetup s;
  s.challsrv.state().add_tlsalpn01("1.0.0.127.in-addr.arpa", "tok-ip.another-account");
  CHECK_THAT(s.tls_alpn01("127.0.0.1"),
             fails_with(ProblemType::unauthorized, "acmeIdentifier extension does not hold SHA-256"));
}
