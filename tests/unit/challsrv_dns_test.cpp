// cobble-challsrv's DNS wire format, answers and management handler, without sockets.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "challsrv/dns_server.hpp"
#include "challsrv/dns_wire.hpp"
#include "challsrv/management.hpp"
#include "challsrv/tlsalpn01_cert.hpp"

namespace {
using namespace cobble::challsrv;
namespace http = boost::beast::http;

std::string query_bytes(std::string_view name, std::uint16_t qtype, bool edns = false,
                        std::uint16_t payload = 4096) {
  std::string q = {0x0a, 0x0b, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, char(edns ? 1 : 0)};
  q += *dns::encode_name(name);
  q += {char(qtype >> 8), char(qtype & 0xFF), 0, 1};
  if (edns) q += {0, 0, 41, char(payload >> 8), char(payload & 0xFF), 0, 0, 0, 0, 0, 0};
  return q;
}

std::uint16_t u16(const std::string& wire, std::size_t at) {
  return static_cast<std::uint16_t>(static_cast<std::uint8_t>(wire[at]) << 8 |
                                    static_cast<std::uint8_t>(wire[at + 1]));
}

HttpResponse post(State& state, std::string target, std::string body) {
  HttpRequest request{http::verb::post, target, 11};
  request.body() = std::move(body);
  return handle_management(state, request);
}

}  // namespace

TEST_CASE("a TXT value longer than 255 octets is split into several character-strings", "[challsrv]") {
  std::string value(300, 'x');
  auto rdata = dns::rdata_txt(value);
  REQUIRE(rdata.size() == 302);
  CHECK(static_cast<std::uint8_t>(rdata[0]) == 255);
  CHECK(static_cast<std::uint8_t>(rdata[256]) == 45);
  CHECK(dns::rdata_txt("").size() == 1);
}

TEST_CASE("a query with EDNS is parsed and answered with an OPT record", "[challsrv]") {
  auto parsed = dns::parse_query(query_bytes("Mixed.Case.test", dns::kTypeTxt, true, 1400));
  REQUIRE(parsed);
  CHECK(parsed->error == dns::Rcode::noerror);
  CHECK(parsed->query.name == "Mixed.Case.test.");
  CHECK(parsed->query.edns);
  CHECK(parsed->query.udp_payload == 1400);
  auto wire = dns::encode_response(*parsed, {}, 512);
  CHECK(u16(wire, 0) == 0x0a0b);
  CHECK((u16(wire, 2) & 0x8580) == 0x8580);  // QR, AA, RD copied, RA
  CHECK(u16(wire, 10) == 1);                 // OPT in additional
  CHECK(wire.find("\x05Mixed\x04"
                  "Case") != std::string::npos);
}

TEST_CASE("a response too big for UDP is truncated with TC set", "[challsrv]") {
  State state;
  for (int i = 0; i < 5; ++i) state.add_records(RecordSet::txt, "big.test", {std::string(200, 'a' + i)});
  auto udp = answer_dns(state, query_bytes("big.test", dns::kTypeTxt), false);
  REQUIRE(udp);
  CHECK((u16(*udp, 2) & 0x0200) != 0);
  CHECK(u16(*udp, 6) == 0);
  auto tcp = answer_dns(state, query_bytes("big.test", dns::kTypeTxt), true);
  REQUIRE(tcp);
  CHECK((u16(*tcp, 2) & 0x0200) == 0);
  CHECK(u16(*tcp, 6) == 5);
}

TEST_CASE("malformed queries get FORMERR and unsupported types NOTIMP", "[challsrv]") {
  State state;
  std::string no_question = {0x00, 0x01, 0x01, 0x00, 0, 0, 0, 0, 0, 0, 0, 0};
  auto formerr = answer_dns(state, no_question, false);
  REQUIRE(formerr);
  CHECK((u16(*formerr, 2) & 0x000F) == 1);
  auto mx = answer_dns(state, query_bytes("example.test", 15), false);
  REQUIRE(mx);
  CHECK((u16(*mx, 2) & 0x000F) == 4);
  CHECK_FALSE(answer_dns(state, "\x01\x02", false));
}

TEST_CASE("unknown names get an empty NOERROR with the mock SOA, never NXDOMAIN", "[challsrv]") {
  State state;
  dns::Query query{.name = "nothing.test.", .qtype = dns::kTypeTxt, .qclass = dns::kClassIn};
  auto response = resolve(state, query);
  CHECK(response.rcode == dns::Rcode::noerror);
  CHECK(response.answers.empty());
  REQUIRE(response.authority.size() == 1);
  CHECK(response.authority[0].type == dns::kTypeSoa);
}

TEST_CASE("A queries for IP-literal names get no default answer", "[challsrv]") {
  State state;
  state.set_default_ipv4("127.0.0.1");
  dns::Query query{.name = "10.0.0.1.", .qtype = dns::kTypeA, .qclass = dns::kClassIn};
  CHECK(resolve(state, query).answers.empty());
}

TEST_CASE("CAA policies added through the API are answered with flags 0", "[challsrv]") {
  State state;
  auto response =
      post(state, "/add-caa", R"({"host":"caa.test.","policies":[{"tag":"issue","value":"cobble.test"}]})");
  REQUIRE(response.result() == http::status::ok);
  dns::Query query{.name = "CAA.test.", .qtype = dns::kTypeCaa, .qclass = dns::kClassIn};
  auto answer = resolve(state, query);
  REQUIRE(answer.answers.size() == 1);
  CHECK(answer.answers[0].rdata == dns::rdata_caa(0, "issue", "cobble.test"));
}

TEST_CASE("management field names match case-insensitively and hosts may end in a dot", "[challsrv]") {
  State state;
  CHECK(post(state, "/set-txt", R"({"Host":"_acme-challenge.dot.test.","VALUE":"v1"})").result() ==
        http::status::ok);
  CHECK(state.records(RecordSet::txt, "_acme-challenge.dot.test") == std::vector<std::string>{"v1"});
  CHECK(post(state, "/add-redirect", R"({"path":"/a","targeturl":"http://b.test/"})").result() ==
        http::status::ok);
  CHECK(state.redirect("/a") == "http://b.test/");
}

TEST_CASE("management rejects wrongly typed fields and bad addresses with 400", "[challsrv]") {
  State state;
  CHECK(post(state, "/set-txt", R"({"host":5,"value":"v"})").result() == http::status::bad_request);
  CHECK(post(state, "/set-txt", R"(["host"])").result() == http::status::bad_request);
  CHECK(post(state, "/add-aaaa", R"({"host":"h.test","addresses":["127.0.0.1"]})").result() ==
        http::status::bad_request);
  CHECK(post(state, "/set-default-ipv6", R"({"ip":"::1"})").result() == http::status::ok);
  CHECK(state.default_ipv6() == "::1");
  CHECK(post(state, "/set-cname", R"({"host":"a.test","target":"bad..name"})").result() ==
        http::status::bad_request);
}

TEST_CASE("reverse names of IP identifiers map to address bytes", "[challsrv]") {
  CHECK(ip_from_reverse_name("4.3.2.1.in-addr.arpa") == std::string("\x01\x02\x03\x04", 4));
  std::string v6 = "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa";
  auto bytes = ip_from_reverse_name(v6);
  REQUIRE(bytes);
  CHECK(*bytes == std::string("\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16));
  CHECK_FALSE(ip_from_reverse_name("example.test"));
  CHECK_FALSE(ip_from_reverse_name("300.3.2.1.in-addr.arpa"));
}
