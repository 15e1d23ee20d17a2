// cobble-challsrv's NXDOMAIN extension (/set-nxdomain, /clear-nxdomain): Pebble's responder
// answers every unknown name with an empty NOERROR, so a client's NXDOMAIN handling needs this.
#include <sys/socket.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "challsrv/dns_server.hpp"
#include "challsrv/dns_wire.hpp"
#include "challsrv/state.hpp"
#include "support/challsrv_running.hpp"
#include "support/loopback.hpp"
#include "validation/resolver.hpp"

namespace {
namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace dns = cobble::challsrv::dns;
using cobble::challsrv::State;
using cobble::validation::DnsError;

dns::Query question(std::string name, std::uint16_t qtype) {
  dns::Query query;
  query.name = std::move(name);
  query.qtype = qtype;
  query.qclass = 1;
  return query;
}

// POSTs `body` to the management API; a blocking client that gives up after 5 s.
http::status manage(std::uint16_t port, std::string path, const nlohmann::json& body) {
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  socket.connect({asio::ip::make_address("127.0.0.1"), port});
  timeval tv{5, 0};
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  http::request<http::string_body> request{http::verb::post, path, 11};
  request.set(http::field::host, "localhost");
  request.body() = body.dump();
  request.prepare_payload();
  http::write(socket, request);
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(socket, buffer, response);
  return response.result();
}

}  // namespace

TEST_CASE("a name set to NXDOMAIN gets rcode 3 and the SOA for every type", "[challsrv]") {
  State state;
  state.add_records(cobble::challsrv::RecordSet::txt, "gone.test", {"still stored"});
  state.set_cname("gone.test", "elsewhere.test");
  state.set_nxdomain("Gone.Test.");  // names are normalized

  const auto qtype = GENERATE(dns::kTypeA, dns::kTypeAaaa, dns::kTypeTxt, dns::kTypeCaa, dns::kTypeCname);
  CAPTURE(qtype);
  const auto response = cobble::challsrv::resolve(state, question("gone.test.", qtype));
  CHECK(response.rcode == dns::Rcode::nxdomain);
  CHECK(response.answers.empty());
  REQUIRE(response.authority.size() == 1);
  CHECK(response.authority[0].type == dns::kTypeSoa);

  const auto other = cobble::challsrv::resolve(state, question("other.test.", qtype));
  CHECK(other.rcode != dns::Rcode::nxdomain);
}

TEST_CASE("clearing NXDOMAIN brings back the name's records and defaults", "[challsrv]") {
  State state;
  state.set_default_ipv4("127.0.0.1");
  state.set_nxdomain("back.test");
  state.clear_nxdomain("BACK.test");

  const auto response = cobble::challsrv::resolve(state, question("back.test.", dns::kTypeA));
  CHECK(response.rcode == dns::Rcode::noerror);
  CHECK(response.answers.size() == 1);
}

TEST_CASE("the management API sets and clears NXDOMAIN as a resolver sees it", "[challsrv]") {
  cobble::test::ChallSrvRunning challsrv;
  asio::io_context io;
  cobble::validation::Resolver resolver(
      io.get_executor(),
      {.server = challsrv.dns_server(), .timeout = std::chrono::milliseconds(1000), .tries = 2});

  REQUIRE(manage(challsrv.management_port(), "/set-nxdomain", {{"host", "gone.test"}}) == http::status::ok);
  auto addresses = cobble::test::run_until_done(io, resolver.lookup_addresses("gone.test"));
  REQUIRE_FALSE(addresses.has_value());
  CHECK(addresses.error().kind == DnsError::Kind::nxdomain);
  auto txt = cobble::test::run_until_done(io, resolver.lookup_txt("gone.test"));
  REQUIRE_FALSE(txt.has_value());
  CHECK(txt.error().detail == "NXDOMAIN looking up TXT for gone.test");

  REQUIRE(manage(challsrv.management_port(), "/clear-nxdomain", {{"host", "gone.test"}}) == http::status::ok);
  addresses = cobble::test::run_until_done(io, resolver.lookup_addresses("gone.test"));
  REQUIRE(addresses.has_value());
  REQUIRE(addresses->size() == 1);
  CHECK(addresses->front().to_string() == "127.0.0.1");

  CHECK(manage(challsrv.management_port(), "/set-nxdomain", nlohmann::json::object()) ==
        http::status::bad_request);
  CHECK(manage(challsrv.management_port(), "/clear-nxdomain", {{"host", "empty..label"}}) ==
        http::status::bad_request);
}
