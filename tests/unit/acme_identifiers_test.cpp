#include <catch2/catch.hpp>

#include "acme/identifiers.hpp"

using cobble::acme::ProblemType;

namespace {
nlohmann::json ids(std::initializer_list<std::pair<const char*, const char*>> list) {
  auto out = nlohmann::json::array();
  for (auto [t, v] : list) out.push_back({{"type", t}, {"value", v}});
  return out;
}
}  // namespace

TEST_CASE("DNS identifiers are lower-cased and de-duplicated in order", "[acme]") {
  auto r = cobble::acme::decode_identifiers(
      ids({{"dns", "WWW.Example.COM"}, {"dns", "*.example.com"}, {"dns", "www.example.com"}}), 100);
  REQUIRE(r);
  REQUIRE(r->size() == 2);
  CHECK((*r)[0].value == "www.example.com");
  CHECK((*r)[1].value == "*.example.com");
}

TEST_CASE("a newOrder identifiers member of the wrong shape is malformed", "[acme]") {
  auto json = GENERATE(as<std::string>{}, R"(null)", R"([])", R"("example.com")", R"([{"type":"dns"}])",
                       R"([{"type":"dns","value":5}])", R"([["dns","example.com"]])");
  CAPTURE(json);
  auto r = cobble::acme::decode_identifiers(nlohmann::json::parse(json), 100);
  REQUIRE_FALSE(r);
  CHECK(r.error().type == ProblemType::malformed);
}

TEST_CASE("an identifier type Cobble does not issue for is unsupportedIdentifier", "[acme]") {
  auto r = cobble::acme::decode_identifiers(ids({{"email", "a@example.com"}}), 100);
  REQUIRE_FALSE(r);
  CHECK(r.error().type == ProblemType::unsupported_identifier);
}

TEST_CASE("bad DNS names are rejected with one subproblem each", "[acme]") {
  auto bad =
      GENERATE(as<std::string>{}, "example.com.", "-a.example.com", "a-.example.com", "exa mple.com",
               "a..example.com", "localhost", "*.*.example.com", "www.*.example.com", "127.0.0.1",
               std::string(64, 'a') + ".com", std::string(250, 'a') + ".com", "ex_ample.com", "é.example");
  CAPTURE(bad);
  auto r = cobble::acme::decode_identifiers(ids({{"dns", bad.c_str()}, {"dns", "ok.example.com"}}), 100);
  REQUIRE_FALSE(r);
  CHECK(r.error().type == ProblemType::rejected_identifier);
  REQUIRE(r.error().subproblems.size() == 1);
  CHECK(r.error().subproblems[0].identifier->type == "dns");
}

TEST_CASE("two bad names give two subproblems and a summary detail", "[acme]") {
  auto r = cobble::acme::decode_identifiers(ids({{"dns", "a..b"}, {"dns", "-x.example"}}), 100);
  REQUIRE_FALSE(r);
  CHECK(r.error().subproblems.size() == 2);
  CHECK_THAT(r.error().detail, Catch::Contains("2 of the identifiers"));
}

TEST_CASE("too many identifiers are refused", "[acme]") {
  auto r = cobble::acme::decode_identifiers(ids({{"dns", "a.example"}, {"dns", "b.example"}}), 1);
  REQUIRE_FALSE(r);
  CHECK(r.error().type == ProblemType::rejected_identifier);
}

TEST_CASE("a name in Unicode is refused with its A-label form, in a detail that serialises", "[acme][idna]") {
  auto r = cobble::acme::decode_identifiers(ids({{"dns", "exämple.com"}}), 100);
  REQUIRE_FALSE(r);
  CHECK(r.error().type == ProblemType::rejected_identifier);
  CHECK_THAT(r.error().detail, Catch::Contains("non-ASCII") && Catch::Contains("xn--exmple-cua.com"));
  CHECK_NOTHROW(cobble::acme::to_json(r.error()).dump());
}

TEST_CASE("labels with hyphens in the third and fourth places must be valid IDNA A-labels", "[acme][idna]") {
  auto bad = GENERATE(as<std::string>{}, "xn--zz.com", "xn--.com", "xn--a.com", "ab--cd.example",
                      "xn--ls8h.la" /* a disallowed code point */, "www.xn--cafe-yvc.com" /* not NFC */);
  CAPTURE(bad);
  auto why = cobble::acme::dns_name_problem(bad);
  CHECK_THAT(why, Catch::Contains("label"));
  auto good = GENERATE(as<std::string>{}, "xn--exmple-cua.com", "www.xn--caf-dma.com", "a-b--c.example");
  CAPTURE(good);
  CHECK(cobble::acme::dns_name_problem(good).empty());
}

TEST_CASE("a name whose top-level domain is all digits is refused", "[acme]") {
  auto bad = GENERATE(as<std::string>{}, "1.2.3.4.5", "example.123", "a.0");
  CAPTURE(bad);
  CHECK_THAT(cobble::acme::dns_name_problem(bad), Catch::Contains("all digits"));
  CHECK(cobble::acme::dns_name_problem("123.example").empty());
  CHECK(cobble::acme::dns_name_problem("example.x1").empty());
}

TEST_CASE("control characters in a name are shown escaped", "[acme]") {
  auto r = cobble::acme::decode_identifiers(ids({{"dns", "a\nb.example"}}), 100);
  REQUIRE_FALSE(r);
  CHECK_THAT(r.error().detail, Catch::Contains("a\\x0ab.example"));
}
