// Multi-perspective corroboration: the quorum and RIR rule alone, then named perspectives
// connecting from their own loopback addresses to a challsrv that answers one of them wrongly.
#include <catch2/catch.hpp>
#include <chrono>
#include <string>

#include "support/challsrv_running.hpp"
#include "support/loopback.hpp"
#include "support/outcome_matchers.hpp"
#include "validation/perspectives.hpp"
#include "validation/validator.hpp"

using cobble::acme::Problem;
using cobble::acme::ProblemType;
using cobble::test::fails_with;
using cobble::test::passes;
using cobble::validation::Corroboration;
using cobble::validation::corroboration_problem;
using cobble::validation::Outcome;
using cobble::validation::PerspectiveResult;
using cobble::validation::Validator;
using cobble::validation::ValidatorOptions;

namespace {

PerspectiveResult pass(const std::string& name, const std::string& rir) { return {name, rir, std::nullopt}; }
PerspectiveResult fail(const std::string& name, const std::string& rir) {
  return {name, rir, Problem::make(ProblemType::unauthorized, "The key authorization file is wrong")};
}

// Four remotes in three RIRs, as the --letsencrypt preset names them.
Corroboration four_remotes(std::size_t quorum) {
  return {{{"us-east", "ARIN", ""},
           {"us-west", "ARIN", ""},
           {"eu-central", "RIPE", ""},
           {"ap-southeast", "APNIC", ""}},
          quorum};
}

}  // namespace

TEST_CASE("remote perspectives corroborate when the quorum passes in two RIRs", "[validation]") {
  auto rule = four_remotes(3);
  CHECK_FALSE(corroboration_problem(rule, {pass("us-east", "ARIN"), pass("us-west", "ARIN"),
                                           pass("eu-central", "RIPE"), pass("ap-southeast", "APNIC")}));
  // One remote may fail: three still pass, in two RIRs.
  CHECK_FALSE(corroboration_problem(rule, {fail("us-east", "ARIN"), pass("us-west", "ARIN"),
                                           pass("eu-central", "RIPE"), pass("ap-southeast", "APNIC")}));
  CHECK_FALSE(corroboration_problem({}, {}));  // no remotes: the primary alone decides
}

TEST_CASE("remote perspectives do not corroborate below the quorum, naming who disagreed", "[validation]") {
  auto problem =
      corroboration_problem(four_remotes(3), {pass("us-east", "ARIN"), fail("us-west", "ARIN"),
                                              fail("eu-central", "RIPE"), pass("ap-southeast", "APNIC")});
  REQUIRE(problem);
  CHECK(problem->type == ProblemType::unauthorized);  // the first failing remote's type
  CHECK(
      problem->detail ==
      "During secondary validation: The key authorization file is wrong (2 of 4 remote perspectives did not "
      "corroborate: us-west (ARIN), eu-central (RIPE); 3 must)");
}

TEST_CASE("remote perspectives passing in one RIR alone do not corroborate", "[validation]") {
  Corroboration rule{{{"a", "ARIN", ""}, {"b", "ARIN", ""}, {"c", "RIPE", ""}}, 2};
  auto problem = corroboration_problem(rule, {pass("a", "ARIN"), pass("b", "ARIN"), fail("c", "RIPE")});
  REQUIRE(problem);
  CHECK_THAT(problem->detail, Catch::Contains("c (RIPE)"));
  // Unnamed RIRs (Pebble's attempts) have no RIR rule: the quorum alone counts.
  CHECK_FALSE(corroboration_problem({{{"r1", "", ""}, {"r2", "", ""}}, 1}, {pass("r1", ""), fail("r2", "")}));
}

TEST_CASE("quorum 0 asks every remote to pass, as Pebble's three attempts", "[validation]") {
  Corroboration rule{{{"remote-1", "", ""}, {"remote-2", "", ""}}, 0};
  auto problem = corroboration_problem(rule, {pass("remote-1", ""), fail("remote-2", "")});
  REQUIRE(problem);
  CHECK_THAT(problem->detail,
             Catch::EndsWith("(1 of 2 remote perspectives did not corroborate: remote-2; 2 must)"));
}

namespace {

const std::string kToken = "tok-perspectives";
const std::string kKeyAuthorization = kToken + ".thumbprint-of-the-account";

// Primary on 127.0.0.1, remotes from 127.0.0.2, .3 and .4 (all of 127/8 is local on Linux), so
// the challsrv tells them apart by the peer address.
struct PerspectivesSetup : cobble::test::ChallSrvResolver {
  Outcome validate(std::size_t quorum) {
    ValidatorOptions options;
    options.http.http_port = challsrv.http01_port();
    options.http.policy.allow_loopback = true;
    options.http.timeout = std::chrono::seconds(5);
    options.primary = {"primary", "ARIN", "127.0.0.1"};
    options.remote = {{{"dadaist", "ARIN", "127.0.0.2"},
                       {"surrealist", "RIPE", "127.0.0.3"},
                       {"cubist", "APNIC", "127.0.0.4"}},
                      quorum};
    Validator validator(resolver, options);
    return cobble::test::run_until_done(io, validator.validate({.type = "http-01",
                                                                .identifier = {"dns", "mpic.test"},
                                                                .token = kToken,
                                                                .key_authorization = kKeyAuthorization}));
  }
};

}  // namespace

TEST_CASE("a perspective the challsrv answers wrongly fails corroboration by the quorum rule",
          "[validation]") {
  PerspectivesSetup s;
  auto& state = s.challsrv.state();
  state.add_http01(kToken, kKeyAuthorization);
  state.set_source_mismatch("127.0.0.3");

  SECTION("with every remote required, the one that saw a different answer is named") {
    auto outcome = s.validate(3);
    CHECK_THAT(outcome,
               fails_with(ProblemType::unauthorized,
                          "(1 of 3 remote perspectives did not corroborate: surrealist (RIPE); 3 must)"));
    CHECK_THAT(outcome.problem->detail, Catch::StartsWith("During secondary validation: "));
    REQUIRE(outcome.perspectives.size() == 4);
    CHECK(outcome.perspectives[0].name == "primary");
    CHECK_FALSE(outcome.perspectives[0].problem);
    CHECK(outcome.perspectives[2].name == "surrealist");
    REQUIRE(outcome.perspectives[2].problem);
    CHECK_FALSE(outcome.perspectives[1].problem);
    CHECK_FALSE(outcome.perspectives[3].problem);
    CHECK(state.http_history("mpic.test").size() == 4);  // every perspective fetched
  }
  SECTION("with two of three required, the other two corroborate (ARIN and APNIC)") {
    CHECK_THAT(s.validate(2), passes());
  }
  SECTION("the primary seeing a different answer fails with its own problem") {
    state.clear_source_mismatch("127.0.0.3");
    state.set_source_mismatch("127.0.0.1");
    auto outcome = s.validate(2);
    CHECK_THAT(outcome, fails_with(ProblemType::unauthorized));
    CHECK_FALSE(outcome.problem->detail.starts_with("During secondary validation"));
  }
}
