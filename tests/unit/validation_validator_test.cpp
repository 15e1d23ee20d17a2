// The Validator against cobble-challsrv in-process: type dispatch and several perspectives.
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <string>

#include "acme/jws.hpp"
#include "support/challsrv_running.hpp"
#include "support/loopback.hpp"
#include "support/outcome_matchers.hpp"
#include "validation/resolver.hpp"
#include "validation/validator.hpp"

namespace asio = boost::asio;
using cobble::acme::ProblemType;
using cobble::challsrv::RecordSet;
using cobble::test::fails_with;
using cobble::test::passes;
using cobble::validation::Outcome;
using cobble::validation::Request;
using cobble::validation::Resolver;
using cobble::validation::Validator;
using cobble::validation::ValidatorOptions;

namespace {

const std::string kToken = "tok-validator";
const std::string kKeyAuthorization = kToken + ".thumbprint-of-the-account";

struct ValidatorSetup : cobble::test::ChallSrvResolver {
  Outcome validate(int perspectives, const std::string& type, const std::string& host) {
    ValidatorOptions options;
    options.http.http_port = challsrv.http01_port();
    options.http.policy.allow_loopback = true;
    options.http.timeout = std::chrono::seconds(5);
    options.tls_alpn.tls_port = challsrv.tlsalpn01_port();
    options.tls_alpn.policy.allow_loopback = true;
    options.tls_alpn.timeout = std::chrono::seconds(5);
    for (int i = 1; i < perspectives; ++i)
      options.remote.remotes.push_back({"remote-" + std::to_string(i), "", ""});
    Validator validator(resolver, options);
    return cobble::test::run_until_done(io, validator.validate({.type = type,
                                                                .identifier = {"dns", host},
                                                                .token = kToken,
                                                                .key_authorization = kKeyAuthorization}));
  }
};

}  // namespace

TEST_CASE("the validator dispatches each challenge type to its validation", "[validation]") {
  ValidatorSetup s;
  auto& state = s.challsrv.state();
  state.add_http01(kToken, kKeyAuthorization);
  state.add_tlsalpn01("alpn.test", kKeyAuthorization);
  state.add_records(RecordSet::txt, "_acme-challenge.txt.test",
                    {cobble::acme::sha256_base64url(kKeyAuthorization)});

  SECTION("http-01") {
    const auto outcome = s.validate(1, "http-01", "web.test");
    CHECK_THAT(outcome, passes());
    CHECK(state.http_history("web.test").size() == 1);
  }
  SECTION("tls-alpn-01") {
    const auto outcome = s.validate(1, "tls-alpn-01", "alpn.test");
    CHECK_THAT(outcome, passes());
    CHECK(state.tlsalpn_history("alpn.test").size() == 1);
  }
  SECTION("dns-01") {
    CHECK_THAT(s.validate(1, "dns-01", "txt.test"), passes());
    CHECK_THAT(s.validate(1, "dns-01", "notxt.test"), fails_with(ProblemType::unauthorized));
  }
  SECTION("an unknown type is malformed, and nothing is contacted") {
    const auto outcome = s.validate(1, "http-02", "web.test");
    CHECK_THAT(outcome, fails_with(ProblemType::malformed, "Unknown challenge type \"http-02\""));
    CHECK(outcome.addresses.empty());
    CHECK(state.http_history("web.test").empty());
  }
}

TEST_CASE("the validator passes with three perspectives when every one passes", "[validation]") {
  ValidatorSetup s;
  s.challsrv.state().add_http01(kToken, kKeyAuthorization);

  const auto outcome = s.validate(3, "http-01", "three.test");
  CHECK_THAT(outcome, passes());
  CHECK(outcome.addresses.size() == 3);
  CHECK(s.challsrv.state().http_history("three.test").size() == 3);  // each perspective fetched
}

TEST_CASE("the validator fails with three perspectives when the body is wrong", "[validation]") {
  ValidatorSetup s;
  s.challsrv.state().add_http01(kToken, "not the key authorization");

  const auto outcome = s.validate(3, "http-01", "three.test");
  CHECK_THAT(outcome, fails_with(ProblemType::unauthorized, "(got \"not the key authorization\")"));
  CHECK(s.challsrv.state().http_history("three.test").size() == 3);
}

TEST_CASE("the validator with three perspectives reports a connection failure", "[validation]") {
  ValidatorSetup s;
  s.challsrv.state().add_records(RecordSet::a, "private.test", {"192.168.7.7"});

  const auto outcome = s.validate(3, "tls-alpn-01", "private.test");
  CHECK_THAT(outcome, fails_with(ProblemType::connection, "192.168.7.7 is a private-use address"));
  CHECK(outcome.addresses.empty());
}
