// cobble-challsrv against real loopback sockets: the servers run in-process on ephemeral ports
// and are driven the way client CI drives pebble-challtestsrv.
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "challsrv/app.hpp"
#include "challsrv/dns_wire.hpp"
#include "challsrv/tlsalpn01_cert.hpp"

namespace {
namespace asio = boost::asio;
namespace http = boost::beast::http;
using asio::ip::tcp;
using asio::ip::udp;
using nlohmann::json;
using namespace cobble::challsrv;

// All four servers on 127.0.0.1:0, run by one I/O thread for the life of the test case.
struct Running {
  asio::io_context io;
  ChallSrv server{io};
  BoundPorts ports;
  std::thread thread;

  Running() {
    Config config{"127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1", ""};
    auto started = server.start(config);
    REQUIRE(started);
    ports = *started;
    thread = std::thread([this] { io.run(); });
  }
  ~Running() {
    server.stop();
    io.stop();
    thread.join();
  }
  std::uint16_t dns() const { return ports.dns.at(0); }
  std::uint16_t http01() const { return ports.http01.at(0); }
  std::uint16_t tlsalpn01() const { return ports.tlsalpn01.at(0); }
  std::uint16_t management() const { return ports.management.at(0); }
};

const auto kLoopback = asio::ip::make_address("127.0.0.1");

// A blocking client must not hang the suite if the server misbehaves.
template <class Socket>
void limit_wait(Socket& socket) {
  timeval tv{5, 0};
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

http::response<http::string_body> http_request(std::uint16_t port, http::verb method, std::string target,
                                               std::string body = {}, std::string host = "localhost") {
  asio::io_context io;
  tcp::socket socket(io);
  socket.connect({kLoopback, port});
  limit_wait(socket);
  http::request<http::string_body> request{method, target, 11};
  request.set(http::field::host, host);
  request.set(http::field::user_agent, "challsrv-test");
  request.body() = std::move(body);
  request.prepare_payload();
  http::write(socket, request);
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(socket, buffer, response);
  return response;
}

http::response<http::string_body> manage(const Running& srv, std::string path, const json& body) {
  return http_request(srv.management(), http::verb::post, std::move(path), body.dump());
}

std::string dns_query(std::string_view name, std::uint16_t qtype, std::uint16_t id = 0x1234) {
  std::string q = {char(id >> 8), char(id & 0xFF), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
  q += *dns::encode_name(name);
  q += {char(qtype >> 8), char(qtype & 0xFF), 0, 1};
  return q;
}

struct DnsAnswer {
  int rcode = -1;
  bool authoritative = false;
  std::vector<std::pair<std::uint16_t, std::string>> records;  // answer section: type, rdata
};

DnsAnswer parse_answer(const std::string& wire) {
  auto u8 = [&](std::size_t i) { return static_cast<std::uint8_t>(wire.at(i)); };
  auto u16 = [&](std::size_t i) { return static_cast<std::uint16_t>(u8(i) << 8 | u8(i + 1)); };
  auto skip_name = [&](std::size_t pos) {
    while (u8(pos) != 0) pos += 1 + u8(pos);  // the server never compresses
    return pos + 1;
  };
  DnsAnswer answer;
  answer.rcode = u8(3) & 0x0F;
  answer.authoritative = (u8(2) & 0x04) != 0;
  std::size_t pos = 12;
  for (int i = 0; i < u16(4); ++i) pos = skip_name(pos) + 4;
  for (int i = 0; i < u16(6); ++i) {
    pos = skip_name(pos);
    auto type = u16(pos);
    auto length = u16(pos + 8);
    answer.records.emplace_back(type, wire.substr(pos + 10, length));
    pos += 10 + length;
  }
  return answer;
}

DnsAnswer ask_udp(std::uint16_t port, std::string_view name, std::uint16_t qtype) {
  asio::io_context io;
  udp::socket socket(io, udp::v4());
  limit_wait(socket);
  socket.send_to(asio::buffer(dns_query(name, qtype)), udp::endpoint(kLoopback, port));
  std::string reply(65536, '\0');
  udp::endpoint from;
  reply.resize(socket.receive_from(asio::buffer(reply), from));
  return parse_answer(reply);
}

DnsAnswer ask_tcp(std::uint16_t port, std::string_view name, std::uint16_t qtype) {
  asio::io_context io;
  tcp::socket socket(io);
  socket.connect({kLoopback, port});
  limit_wait(socket);
  auto query = dns_query(name, qtype);
  std::string framed = {char(query.size() >> 8), char(query.size() & 0xFF)};
  asio::write(socket, asio::buffer(framed + query));
  unsigned char prefix[2];
  asio::read(socket, asio::buffer(prefix));
  std::string reply(static_cast<std::size_t>(prefix[0] << 8 | prefix[1]), '\0');
  asio::read(socket, asio::buffer(reply));
  return parse_answer(reply);
}

std::string txt_strings(const std::string& rdata) {  // the <character-string>s joined
  std::string out;
  for (std::size_t pos = 0; pos < rdata.size(); pos += 1 + static_cast<std::uint8_t>(rdata[pos]))
    out += rdata.substr(pos + 1, static_cast<std::uint8_t>(rdata[pos]));
  return out;
}

}  // namespace

TEST_CASE("a TXT record set through the management API is answered over UDP and TCP", "[challsrv]") {
  Running srv;
  auto response = manage(srv, "/set-txt", {{"host", "_acme-challenge.example.test."}, {"value", "digest-1"}});
  CHECK(response.result() == http::status::ok);
  CHECK(response.body().empty());
  for (auto answer : {ask_udp(srv.dns(), "_acme-challenge.Example.TEST.", dns::kTypeTxt),
                      ask_tcp(srv.dns(), "_acme-challenge.example.test", dns::kTypeTxt)}) {
    CHECK(answer.rcode == 0);
    CHECK(answer.authoritative);
    REQUIRE(answer.records.size() == 1);
    CHECK(answer.records[0].first == dns::kTypeTxt);
    CHECK(txt_strings(answer.records[0].second) == "digest-1");
  }
  CHECK(manage(srv, "/clear-txt", {{"host", "_acme-challenge.example.test"}}).result() == http::status::ok);
  CHECK(ask_udp(srv.dns(), "_acme-challenge.example.test", dns::kTypeTxt).records.empty());
}

TEST_CASE("A queries get the default address until /add-a sets explicit ones", "[challsrv]") {
  Running srv;
  auto before = ask_udp(srv.dns(), "anything.example.test", dns::kTypeA);
  REQUIRE(before.records.size() == 1);
  CHECK(before.records[0].second == *dns::rdata_a("127.0.0.1"));
  CHECK(ask_udp(srv.dns(), "anything.example.test", dns::kTypeAaaa).records.empty());

  CHECK(manage(srv, "/add-a", {{"host", "web.example.test"}, {"addresses", {"10.0.0.1", "10.0.0.2"}}})
            .result() == http::status::ok);
  auto after = ask_tcp(srv.dns(), "web.example.test", dns::kTypeA);
  REQUIRE(after.records.size() == 2);
  CHECK(after.records[1].second == *dns::rdata_a("10.0.0.2"));

  CHECK(manage(srv, "/set-default-ipv4", {{"ip", ""}}).result() == http::status::ok);
  CHECK(ask_udp(srv.dns(), "anything.example.test", dns::kTypeA).records.empty());
  CHECK(manage(srv, "/add-a", {{"host", "web.example.test"}, {"addresses", {"not-an-ip"}}}).result() ==
        http::status::bad_request);
}

TEST_CASE("a SERVFAIL host fails every query type until cleared", "[challsrv]") {
  Running srv;
  manage(srv, "/set-txt", {{"host", "broken.example.test"}, {"value", "x"}});
  CHECK(manage(srv, "/set-servfail", {{"host", "broken.example.test"}}).result() == http::status::ok);
  CHECK(ask_udp(srv.dns(), "broken.example.test", dns::kTypeA).rcode == 2);
  CHECK(ask_tcp(srv.dns(), "BROKEN.example.test", dns::kTypeTxt).rcode == 2);
  manage(srv, "/clear-servfail", {{"host", "broken.example.test"}});
  CHECK(ask_udp(srv.dns(), "broken.example.test", dns::kTypeTxt).rcode == 0);
}

TEST_CASE("a CNAME is answered and followed to the target's records", "[challsrv]") {
  Running srv;
  manage(srv, "/set-cname", {{"host", "_acme-challenge.alias.test"}, {"target", "delegated.other.test"}});
  manage(srv, "/set-txt", {{"host", "delegated.other.test"}, {"value", "delegated-digest"}});
  auto answer = ask_udp(srv.dns(), "_acme-challenge.alias.test", dns::kTypeTxt);
  REQUIRE(answer.records.size() == 2);
  CHECK(answer.records[0].first == dns::kTypeCname);
  CHECK(answer.records[0].second == *dns::encode_name("delegated.other.test"));
  CHECK(answer.records[1].first == dns::kTypeTxt);
  CHECK(txt_strings(answer.records[1].second) == "delegated-digest");
}

TEST_CASE("the http-01 responder serves known tokens, 404s unknown ones and follows redirects",
          "[challsrv]") {
  Running srv;
  CHECK(manage(srv, "/add-http01", {{"token", "tok123"}, {"content", "tok123.thumbprint"}}).result() ==
        http::status::ok);
  auto served = http_request(srv.http01(), http::verb::get, "/.well-known/acme-challenge/tok123");
  CHECK(served.result() == http::status::ok);
  CHECK(served.body() == "tok123.thumbprint");
  CHECK(served[http::field::content_type].starts_with("text/plain"));
  CHECK(http_request(srv.http01(), http::verb::get, "/.well-known/acme-challenge/nope").result() ==
        http::status::not_found);

  manage(srv, "/add-redirect",
         {{"path", "/.well-known/acme-challenge/moved"}, {"targetURL", "http://other.test/x"}});
  auto moved = http_request(srv.http01(), http::verb::get, "/.well-known/acme-challenge/moved");
  CHECK(moved.result() == http::status::found);
  CHECK(moved[http::field::location] == "http://other.test/x");

  manage(srv, "/del-http01", {{"token", "tok123"}});
  CHECK(http_request(srv.http01(), http::verb::get, "/.well-known/acme-challenge/tok123").result() ==
        http::status::not_found);
}

namespace {

struct TlsResult {
  bool handshake_ok = false;
  std::string alpn;
  X509Ptr cert;
};

TlsResult tls_connect(std::uint16_t port, const std::string& sni, std::vector<unsigned char> alpn_wire) {
  asio::io_context io;
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.set_verify_mode(asio::ssl::verify_none);
  asio::ssl::stream<tcp::socket> stream(io, ctx);
  stream.next_layer().connect({kLoopback, port});
  limit_wait(stream.next_layer());
  if (!sni.empty()) SSL_set_tlsext_host_name(stream.native_handle(), sni.c_str());
  if (!alpn_wire.empty())
    SSL_set_alpn_protos(stream.native_handle(), alpn_wire.data(), static_cast<unsigned>(alpn_wire.size()));
  boost::system::error_code ec;
  stream.handshake(asio::ssl::stream_base::client, ec);
  TlsResult result;
  result.handshake_ok = !ec;
  if (ec) return result;
  const unsigned char* selected = nullptr;
  unsigned selected_len = 0;
  SSL_get0_alpn_selected(stream.native_handle(), &selected, &selected_len);
  result.alpn.assign(reinterpret_cast<const char*>(selected), selected_len);
  result.cert.reset(SSL_get1_peer_certificate(stream.native_handle()));
  stream.shutdown(ec);
  return result;
}

const std::vector<unsigned char> kAcmeTlsAlpn = {10, 'a', 'c', 'm', 'e', '-', 't', 'l', 's', '/', '1'};

}  // namespace

TEST_CASE("the tls-alpn-01 responder presents the RFC 8737 certificate for the SNI name", "[challsrv]") {
  Running srv;
  const std::string key_authorization = "token.thumbprint";
  CHECK(manage(srv, "/add-tlsalpn01", {{"host", "alpn.example.test"}, {"content", key_authorization}})
            .result() == http::status::ok);
  auto result = tls_connect(srv.tlsalpn01(), "alpn.example.test", kAcmeTlsAlpn);
  REQUIRE(result.handshake_ok);
  CHECK(result.alpn == "acme-tls/1");
  REQUIRE(result.cert);

  auto* names = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(result.cert.get(), NID_subject_alt_name, nullptr, nullptr));
  REQUIRE(names);
  REQUIRE(sk_GENERAL_NAME_num(names) == 1);
  const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, 0);
  REQUIRE(name->type == GEN_DNS);
  CHECK(std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(name->d.dNSName)),
                    static_cast<std::size_t>(ASN1_STRING_length(name->d.dNSName))) == "alpn.example.test");
  GENERAL_NAMES_free(names);

  std::string expected = {0x04, 0x20};
  expected.resize(2 + SHA256_DIGEST_LENGTH);
  SHA256(reinterpret_cast<const unsigned char*>(key_authorization.data()), key_authorization.size(),
         reinterpret_cast<unsigned char*>(expected.data() + 2));
  bool found = false;
  for (int i = 0; i < X509_get_ext_count(result.cert.get()); ++i) {
    X509_EXTENSION* ext = X509_get_ext(result.cert.get(), i);
    char oid[64];
    OBJ_obj2txt(oid, sizeof oid, X509_EXTENSION_get_object(ext), 1);
    if (std::string(oid) != kAcmeIdentifierOid) continue;
    found = true;
    CHECK(X509_EXTENSION_get_critical(ext) == 1);
    const ASN1_OCTET_STRING* data = X509_EXTENSION_get_data(ext);
    CHECK(std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)),
                      static_cast<std::size_t>(ASN1_STRING_length(data))) == expected);
  }
  CHECK(found);
}

TEST_CASE("the tls-alpn-01 responder refuses an unknown name and a client without acme-tls/1", "[challsrv]") {
  Running srv;
  manage(srv, "/add-tlsalpn01", {{"host", "alpn.example.test"}, {"content", "ka"}});
  CHECK_FALSE(tls_connect(srv.tlsalpn01(), "unknown.example.test", kAcmeTlsAlpn).handshake_ok);
  CHECK_FALSE(tls_connect(srv.tlsalpn01(), "alpn.example.test", {}).handshake_ok);
  CHECK_FALSE(tls_connect(srv.tlsalpn01(), "alpn.example.test", {2, 'h', '2'}).handshake_ok);
}

TEST_CASE("request history records http, dns and tls-alpn requests per host and can be cleared",
          "[challsrv]") {
  Running srv;
  http_request(srv.http01(), http::verb::get, "/.well-known/acme-challenge/abc", {},
               "hist.example.test:5002");
  ask_udp(srv.dns(), "hist.example.test.", dns::kTypeTxt);
  tls_connect(srv.tlsalpn01(), "hist.example.test", kAcmeTlsAlpn);

  auto http_history =
      json::parse(manage(srv, "/http-request-history", {{"host", "hist.example.test"}}).body());
  REQUIRE(http_history.size() == 1);
  CHECK(http_history[0]["URL"] == "/.well-known/acme-challenge/abc");
  CHECK(http_history[0]["Host"] == "hist.example.test:5002");
  CHECK(http_history[0]["HTTPS"] == false);
  CHECK(http_history[0]["UserAgent"] == "challsrv-test");

  auto dns_history = json::parse(manage(srv, "/dns-request-history", {{"host", "hist.example.test"}}).body());
  REQUIRE(dns_history.size() == 1);
  CHECK(dns_history[0]["Question"]["Name"] == "hist.example.test.");
  CHECK(dns_history[0]["Question"]["Qtype"] == dns::kTypeTxt);
  CHECK(dns_history[0]["Question"]["Qclass"] == 1);

  auto tls_history =
      json::parse(manage(srv, "/tlsalpn01-request-history", {{"host", "hist.example.test"}}).body());
  REQUIRE(tls_history.size() == 1);
  CHECK(tls_history[0]["SupportedProtos"] == json::array({"acme-tls/1"}));

  CHECK(manage(srv, "/clear-request-history", {{"host", "hist.example.test"}, {"type", "dns"}}).result() ==
        http::status::ok);
  CHECK(json::parse(manage(srv, "/dns-request-history", {{"host", "hist.example.test"}}).body()).empty());
  CHECK(manage(srv, "/clear-request-history", {{"host", "hist.example.test"}, {"type", "smtp"}}).result() ==
        http::status::bad_request);
}

TEST_CASE("the management API answers bad input with 400 and unknown paths with 404", "[challsrv]") {
  Running srv;
  CHECK(http_request(srv.management(), http::verb::post, "/set-txt", "{not json").result() ==
        http::status::bad_request);
  CHECK(http_request(srv.management(), http::verb::post, "/set-txt", "").result() ==
        http::status::bad_request);
  CHECK(manage(srv, "/set-txt", {{"host", ""}, {"value", "v"}}).result() == http::status::bad_request);
  CHECK(manage(srv, "/add-http01", {{"token", "t"}}).result() == http::status::bad_request);
  CHECK(manage(srv, "/no-such-endpoint", json::object()).result() == http::status::not_found);
}
