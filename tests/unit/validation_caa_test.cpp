// CAA (RFC 8659, RFC 8657) against the fake DNS responder: the tree climb and every refusal.
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "support/fake_dns.hpp"
#include "support/loopback.hpp"
#include "validation/caa.hpp"
#include "validation/resolver.hpp"

namespace asio = boost::asio;
using cobble::acme::ProblemType;
using cobble::test::FakeDns;
using cobble::validation::Request;
using cobble::validation::Resolver;

namespace {

const std::string kAccount = "https://ca.test:14000/acme/acct/1";

struct CaaSetup {
  std::unique_ptr<FakeDns> dns = std::make_unique<FakeDns>();
  asio::io_context io;
  std::unique_ptr<Resolver> resolver;

  void start() {
    dns->start();
    resolver = std::make_unique<Resolver>(
        io.get_executor(),
        Resolver::Options{.server = dns->server(), .timeout = std::chrono::milliseconds(1000), .tries = 2});
  }
  std::optional<cobble::acme::Problem> check(const std::string& domain, const std::string& method = "http-01",
                                             bool wildcard = false) {
    Request r{.type = method, .identifier = {"dns", domain}, .token = "t", .key_authorization = "k"};
    r.account_url = kAccount;
    r.wildcard = wildcard;
    return cobble::test::run_until_done(io, cobble::validation::check_caa(*resolver, r, {"cobble.test"}));
  }
};

}  // namespace

TEST_CASE("CAA allows issuance without records, or with an issue record naming this CA",
          "[validation][caa]") {
  CaaSetup s;
  s.dns->zones["open.test"];
  s.dns->zones["ok.test"].caa = {{0, "issue", "other.ca"},
                                 {0, "issue", "Cobble.Test; accounturi=" + kAccount}};
  s.dns->zones["iodef.test"].caa = {{0, "iodef", "mailto:x@iodef.test"}};
  s.start();
  CHECK_FALSE(s.check("www.open.test"));
  CHECK_FALSE(s.check("www.ok.test"));
  CHECK_FALSE(s.check("iodef.test"));
}

TEST_CASE("CAA is found by climbing to the parent and forbids another CA, naming the record",
          "[validation][caa]") {
  CaaSetup s;
  s.dns->zones["forbid.test"].caa = {{0, "issue", "other.ca"}};
  s.start();
  auto p = s.check("a.b.forbid.test");
  REQUIRE(p);
  CHECK(p->type == ProblemType::caa);
  CHECK(p->status == 403);
  CHECK(p->detail ==
        "CAA record for a.b.forbid.test prevents issuance: forbid.test CAA 0 issue \"other.ca\" (it names "
        "another CA)");
}

TEST_CASE("CAA refusals: empty issuer, accounturi, validationmethods, issuewild, critical unknown tag",
          "[validation][caa]") {
  CaaSetup s;
  s.dns->zones["none.test"].caa = {{0, "issue", ";"}};
  s.dns->zones["account.test"].caa = {
      {0, "issue", "cobble.test; accounturi=https://ca.test:14000/acme/acct/2"}};
  s.dns->zones["methods.test"].caa = {{0, "issue", "cobble.test; validationmethods=dns-01, tls-alpn-01"}};
  s.dns->zones["wild.test"].caa = {{0, "issue", "cobble.test"}, {0, "issuewild", "other.ca"}};
  s.dns->zones["critical.test"].caa = {{0, "issue", "cobble.test"}, {128, "tbs", "unknown"}};
  s.start();
  auto [domain, method, wildcard, why] = GENERATE(table<std::string, std::string, bool, std::string>({
      {"none.test", "http-01", false, "(it authorizes no CA)"},
      {"account.test", "http-01", false, "(its accounturi is not this account (" + kAccount + "))"},
      {"methods.test", "http-01", false, "(its validationmethods do not include http-01)"},
      {"wild.test", "dns-01", true, "issuewild \"other.ca\" (it names another CA)"},
      {"critical.test", "http-01", false,
       "the critical record critical.test CAA 128 tbs \"unknown\" has a tag"},
  }));
  CAPTURE(domain);
  auto p = s.check(domain, method, wildcard);
  REQUIRE(p);
  CHECK(p->type == ProblemType::caa);
  CHECK_THAT(p->detail,
             Catch::StartsWith("CAA record for " + domain + " prevents issuance: ") && Catch::Contains(why));
}

TEST_CASE("CAA passes the allowed variants: listed method, own account, issuewild only for wildcards",
          "[validation][caa]") {
  CaaSetup s;
  s.dns->zones["methods.test"].caa = {{0, "issue", "cobble.test; validationmethods=dns-01,http-01"}};
  s.dns->zones["wild.test"].caa = {{0, "issue", "other.ca"}, {0, "issuewild", "cobble.test"}};
  s.dns->zones["noncritical.test"].caa = {{0, "tbs", "unknown"}};
  s.start();
  CHECK_FALSE(s.check("methods.test", "http-01"));
  CHECK_FALSE(s.check("wild.test", "dns-01", true));
  CHECK(s.check("wild.test", "http-01", false));  // issuewild does not govern the base name
  CHECK_FALSE(s.check("noncritical.test"));
}

TEST_CASE("a CAA lookup that fails (SERVFAIL) stops issuance with a dns problem", "[validation][caa]") {
  CaaSetup s;
  s.dns->servfail.insert("broken.test");
  s.start();
  auto p = s.check("broken.test");
  REQUIRE(p);
  CHECK(p->type == ProblemType::dns);
  CHECK_THAT(p->detail, Catch::StartsWith("While checking CAA: DNS problem:"));
}
