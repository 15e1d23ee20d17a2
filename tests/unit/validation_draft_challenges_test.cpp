// dns-account-01 (draft-ietf-acme-dns-account-label) and dns-persist-01 (draft-ietf-acme-dns-persist)
// against cobble-challsrv in-process: its DNS server serves the TXT records the tests set.
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "acme/jws.hpp"
#include "support/challsrv_running.hpp"
#include "support/loopback.hpp"
#include "support/outcome_matchers.hpp"
#include "validation/dns01.hpp"
#include "validation/dns_persist01.hpp"
#include "validation/resolver.hpp"

namespace asio = boost::asio;
using cobble::acme::ProblemType;
using cobble::challsrv::RecordSet;
using cobble::test::fails_with;
using cobble::test::passes;
using cobble::validation::Outcome;
using cobble::validation::parse_persist_record;
using cobble::validation::Request;
using cobble::validation::Resolver;

namespace {

const std::string kAccount = "https://ca.test:14000/acme/acct/1";
const std::string kKeyAuthorization = "tok.thumbprint-of-the-account";
const std::vector<std::string> kIssuers{"cobble.test"};
constexpr std::int64_t kNow = 1'800'000'000;

struct DnsSetup : cobble::test::ChallSrvResolver {
  void txt(const std::string& name, const std::string& value) {
    challsrv.state().add_records(RecordSet::txt, name, {value});
  }
  Request request(const std::string& type, const std::string& domain, bool wildcard = false) const {
    Request r{
        .type = type, .identifier = {"dns", domain}, .token = "tok", .key_authorization = kKeyAuthorization};
    r.account_url = kAccount;
    r.wildcard = wildcard;
    r.now_unix = kNow;
    return r;
  }
  Outcome account01(const Request& r) {
    return cobble::test::run_until_done(io, cobble::validation::validate_dns_account01(resolver, r));
  }
  Outcome persist01(const Request& r) {
    return cobble::test::run_until_done(io,
                                        cobble::validation::validate_dns_persist01(resolver, r, kIssuers));
  }
};

}  // namespace

TEST_CASE("the dns-account-01 name is base32 of the account URL's SHA-256, first ten bytes", "[validation]") {
  // Independently computed: base64.b32encode(sha256(url)[:10]).lower().
  CHECK(
      cobble::validation::dns_account01_name("https://example.com/acme/acct/ExampleAccount", "example.org") ==
      "_ujmmovf2vn55tgye._acme-challenge.example.org");
  CHECK(cobble::validation::dns_account01_name(kAccount, "a.test") ==
        "_ms3erh46cgx2b3ad._acme-challenge.a.test");
}

TEST_CASE("dns-account-01 passes with the digest at the account's label", "[validation]") {
  DnsSetup s;
  s.txt("_ms3erh46cgx2b3ad._acme-challenge.acct.test", cobble::acme::sha256_base64url(kKeyAuthorization));
  CHECK_THAT(s.account01(s.request("dns-account-01", "acct.test")), passes());
  CHECK_THAT(s.account01(s.request("dns-account-01", "acct.test", true)), passes());
}

TEST_CASE("dns-account-01 with the record under another account's label is unauthorized", "[validation]") {
  DnsSetup s;
  s.txt(cobble::validation::dns_account01_name("https://ca.test:14000/acme/acct/2", "acct.test"),
        cobble::acme::sha256_base64url(kKeyAuthorization));
  s.txt("_acme-challenge.acct.test", cobble::acme::sha256_base64url(kKeyAuthorization));
  CHECK_THAT(s.account01(s.request("dns-account-01", "acct.test")),
             fails_with(ProblemType::unauthorized,
                        "No TXT record found at _ms3erh46cgx2b3ad._acme-challenge.acct.test"));
}

TEST_CASE("dns-persist-01 records parse with optional whitespace, case-insensitive keys and unknown keys",
          "[validation]") {
  auto r = parse_persist_record(
      " Cobble.Test. ; AccountURI=https://ca/acct/1 ;policy=Wildcard; persistUntil=5;x=y;");
  REQUIRE(r);
  CHECK(r->issuer == "cobble.test");
  CHECK(r->account_uri == "https://ca/acct/1");
  CHECK(r->wildcard_policy);
  CHECK(r->persist_until == 5);
  auto plain = parse_persist_record("cobble.test;accounturi=https://ca/acct/1;policy=other");
  REQUIRE(plain);
  CHECK_FALSE(plain->wildcard_policy);
  CHECK_FALSE(plain->persist_until);
}

TEST_CASE("malformed dns-persist-01 records are refused with the reason", "[validation]") {
  auto [text, why] = GENERATE(table<std::string, std::string>({
      {"", "issuer"},
      {"; accounturi=x", "issuer"},
      {"cobble.test", "no accounturi"},
      {"cobble.test; accounturi", "no \"=\""},
      {"cobble.test; accounturi=a; accounturi=b", "twice"},
      {"cobble.test; accounturi=a; persistUntil=soon", "not a Unix time"},
      {"cobble.test; accounturi=a; persistUntil=-1", "not a Unix time"},
  }));
  CAPTURE(text);
  auto r = parse_persist_record(text);
  REQUIRE_FALSE(r);
  CHECK_THAT(r.error(), Catch::Contains(why));
}

TEST_CASE("dns-persist-01 passes with a record naming this CA and this account", "[validation]") {
  DnsSetup s;
  s.txt("_validation-persist.p.test", "other.ca; accounturi=" + kAccount);
  s.txt("_validation-persist.p.test",
        "COBBLE.TEST; accounturi=" + kAccount + "; persistUntil=" + std::to_string(kNow + 10));
  CHECK_THAT(s.persist01(s.request("dns-persist-01", "p.test")), passes());
}

TEST_CASE(
    "dns-persist-01 refuses records for another issuer, another account, without policy=wildcard, or expired",
    "[validation]") {
  DnsSetup s;
  auto [record, wildcard, detail] = GENERATE(table<std::string, bool, std::string>({
      {"other.ca; accounturi=" + kAccount, false, "names the issuer \"other.ca\", not this CA (cobble.test)"},
      {"cobble.test; accounturi=https://ca.test:14000/acme/acct/2", false,
       "accounturi \"https://ca.test:14000/acme/acct/2\" is not this account's URL \"" + kAccount + "\""},
      {"cobble.test; accounturi=" + kAccount, true,
       "the order is for *.p.test and the record has no \"policy=wildcard\""},
      {"cobble.test; accounturi=" + kAccount + "; persistUntil=" + std::to_string(kNow - 1), false,
       "persistUntil (" + std::to_string(kNow - 1) + ") has passed"},
      {"cobble.test; accounturi=" + kAccount + "; persistUntil=later", false, "is malformed: persistUntil"},
  }));
  CAPTURE(record);
  s.txt("_validation-persist.p.test", record);
  CHECK_THAT(s.persist01(s.request("dns-persist-01", "p.test", wildcard)),
             fails_with(ProblemType::unauthorized,
                        "No valid dns-persist-01 record at _validation-persist.p.test: "));
  CHECK_THAT(s.persist01(s.request("dns-persist-01", "p.test", wildcard)),
             fails_with(ProblemType::unauthorized, detail));
}

TEST_CASE("dns-persist-01 for a wildcard passes with policy=wildcard; no record is unauthorized",
          "[validation]") {
  DnsSetup s;
  s.txt("_validation-persist.w.test", "cobble.test; accounturi=" + kAccount + "; policy=wildcard");
  CHECK_THAT(s.persist01(s.request("dns-persist-01", "w.test", true)), passes());
  CHECK_THAT(s.persist01(s.request("dns-persist-01", "none.test")),
             fails_with(ProblemType::unauthorized, "No TXT record found at _validation-persist.none.test"));
}
