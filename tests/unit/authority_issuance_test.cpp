#include <catch2/catch.hpp>

#include "authority/issuance.hpp"

using namespace cobble;
using namespace std::chrono_literals;
using authority::check_csr_names;
using authority::issue_request;
using storage::IdentifierRecord;

namespace {

const common::TimePoint kNow = common::TimePoint(std::chrono::hours(24 * 20000));

ca::CsrInfo csr_for(std::vector<std::string> dns, std::vector<std::string> ips = {},
                    std::optional<std::string> cn = std::nullopt) {
  return {.spki_der = "spki", .dns_names = std::move(dns), .ip_addresses = std::move(ips), .common_name = cn};
}

std::string refusal(const acme::Result<void>& r) {
  REQUIRE_FALSE(r);
  CHECK(r.error().type == acme::ProblemType::bad_csr);
  return r.error().detail;
}

}  // namespace

TEST_CASE("a CSR must name exactly the order's identifiers", "[authority][issuance]") {
  std::vector<IdentifierRecord> order = {{"dns", "a.example"}, {"dns", "b.example"}, {"ip", "192.0.2.1"}};
  CHECK(check_csr_names(csr_for({"b.example", "a.example"}, {"192.0.2.1"}), order));
  // Duplicates and a common name that is one of them change nothing.
  CHECK(check_csr_names(csr_for({"a.example", "a.example", "b.example"}, {"192.0.2.1"}, "a.example"), order));
  CHECK(check_csr_names(csr_for({"a.example", "b.example"}, {"192.0.2.1"}, "192.0.2.1"), order));

  CHECK_THAT(refusal(check_csr_names(csr_for({"a.example"}, {"192.0.2.1"}), order)),
             Catch::Contains("[a.example]") && Catch::Contains("[a.example, b.example]"));
  CHECK_THAT(refusal(check_csr_names(csr_for({"a.example", "b.example"}), order)),
             Catch::Contains("IP addresses []") && Catch::Contains("[192.0.2.1]"));
  CHECK_THAT(refusal(check_csr_names(csr_for({"a.example", "b.example"}, {"192.0.2.1"}, "c.example"), order)),
             Catch::Contains("common name \"c.example\""));
  CHECK_THAT(refusal(check_csr_names(csr_for({"a.example", "b.example"}, {"192.0.2.1"}, "192.0.2.9"), order)),
             Catch::Contains("common name \"192.0.2.9\""));
  // A name only in the common name counts as asked for.
  CHECK(check_csr_names(csr_for({"a.example"}, {"192.0.2.1"}, "b.example"), order));
}

TEST_CASE("what the CA is asked to sign follows the order, its profile and the policy",
          "[authority][issuance]") {
  authority::Policy policy;
  policy.ocsp_url = "http://ocsp.example/";
  policy.certificate_policies = {"2.23.140.1.2.1"};
  authority::Order order;
  order.identifiers = {{"dns", "a.example"}, {"ip", "192.0.2.1"}};

  auto issue = issue_request(policy, order, csr_for({"a.example"}, {"192.0.2.1"}, "a.example"), kNow);
  CHECK(issue.spki_der == "spki");
  CHECK(issue.dns_names == std::vector<std::string>{"a.example"});
  CHECK(issue.ip_addresses == std::vector<std::string>{"192.0.2.1"});
  CHECK(issue.not_before == kNow - authority::kMaxBackdate);
  // RFC 5280 counts both ends: validity 90 days ends a second before notBefore + 90 days.
  CHECK(issue.not_after == issue.not_before + policy.certificate_validity - 1s);
  CHECK_FALSE(issue.common_name);  // the built-in profile promotes no CN
  CHECK(issue.ocsp_url == "http://ocsp.example/");
  CHECK(issue.policy_oids == policy.certificate_policies);

  // The order's own window wins; a profile removed since the order was made falls back to the default.
  order.not_before = kNow + 1h;
  order.not_after = kNow + 49h;
  order.profile = "gone";
  issue = issue_request(policy, order, csr_for({"a.example"}, {"192.0.2.1"}), kNow);
  CHECK(issue.not_before == kNow + 1h);
  CHECK(issue.not_after == kNow + 49h);
}
