#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>
#include <optional>
#include <thread>

#include "http/server.hpp"
#include "support/http_running.hpp"

// The HTTP listeners over real loopback sockets: connection caps and the external base URL
// (issue #12).

using namespace cobble;
namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

http::ListenerSpec echoing(http::ListenerSpec spec) {
  spec.handler = [](const api::Request& request) {
    api::Reply reply;
    reply.body = request.path == "/client" ? request.remote_address : request.base_url;
    return reply;
  };
  return spec;
}

// A listener whose handler echoes the request's base URL (the client's address for GET /client).
struct RunningServer : test::RunningHttpServer {
  explicit RunningServer(http::ListenerSpec spec)
      : RunningHttpServer(echoing(std::move(spec))), port(RunningHttpServer::port()) {}
  std::uint16_t port;
};

// A blocking client connection on its own io_context.
struct Client {
  asio::io_context io;
  tcp::socket socket{io};
  explicit Client(std::uint16_t port) { socket.connect({asio::ip::make_address("127.0.0.1"), port}); }

  // Sends a keep-alive GET and returns the body, or nullopt when the server closed the connection.
  // `headers` are extra header lines, each ending in \r\n.
  std::optional<std::string> get(const std::string& host = "localhost", const std::string& headers = "",
                                 const std::string& path = "/") {
    std::string request = "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n" + headers + "\r\n";
    boost::system::error_code ec;
    asio::write(socket, asio::buffer(request), ec);
    if (ec) return std::nullopt;
    std::string response;
    char buffer[4096];
    for (;;) {
      auto n = socket.read_some(asio::buffer(buffer), ec);
      if (ec) return std::nullopt;
      response.append(buffer, n);
      auto end = response.find("\r\n\r\n");
      if (end == std::string::npos) continue;
      auto length_at = response.find("Content-Length: ");
      if (length_at == std::string::npos) return std::nullopt;
      auto length = std::stoul(response.substr(length_at + 16));
      if (response.size() >= end + 4 + length) return response.substr(end + 4, length);
    }
  }
};

}  // namespace

TEST_CASE("a connection beyond the per-address cap is closed at once and counted", "[http][limits]") {
  RunningServer s({.max_connections = 100, .max_connections_per_address = 2});
  Client first(s.port), second(s.port);
  REQUIRE(first.get());
  REQUIRE(second.get());
  Client third(s.port);
  CHECK_FALSE(third.get());
  test::wait_until([&] { return s.stats().refused_address_full == 1; });
  CHECK(s.stats().open == 2);
  // A place frees up when a connection ends.
  first.socket.close();
  test::wait_until([&] { return s.stats().open == 1; });
  Client fourth(s.port);
  CHECK(fourth.get());
  CHECK(s.stats().refused_listener_full == 0);
}

TEST_CASE("a connection beyond the listener's cap is closed at once and counted", "[http][limits]") {
  RunningServer s({.max_connections = 1, .max_connections_per_address = 10});
  Client first(s.port);
  REQUIRE(first.get());
  Client second(s.port);
  CHECK_FALSE(second.get());
  test::wait_until([&] { return s.stats().refused_listener_full == 1; });
  CHECK(first.get());  // the admitted connection keeps working
  CHECK(s.stats().accepted == 1);
}

TEST_CASE("links are built on the external URL when one is set, never on Host", "[http][external-url]") {
  RunningServer plain({});
  CHECK(Client(plain.port).get("ca.example:8443") == "http://ca.example:8443");
  RunningServer external({.external_url = "https://acme.example.com"});
  CHECK(Client(external.port).get("evil.example") == "https://acme.example.com");
}

TEST_CASE("a trusted proxy's forwarding headers set the links and the client's address",
          "[http][forwarded]") {
  const std::string headers =
      "X-Forwarded-For: 198.51.100.7\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: acme.example.test\r\n";
  RunningServer trusting({.trusted_proxies = http::TrustedProxies::parse({"127.0.0.0/8"}).value()});
  Client through_proxy(trusting.port);
  CHECK(through_proxy.get("cobble.internal:14080", headers) == "https://acme.example.test");
  CHECK(through_proxy.get("cobble.internal:14080", headers, "/client") == "198.51.100.7");
  CHECK(through_proxy.get("cobble.internal:14080", "Forwarded: for=\"[2001:db8::1]:4711\"\r\n", "/client") ==
        "2001:db8::1");

  // The same headers from a peer outside trustedProxies count for nothing.
  RunningServer distrusting({.trusted_proxies = http::TrustedProxies::parse({"10.0.0.0/8"}).value()});
  Client stranger(distrusting.port);
  CHECK(stranger.get("cobble.internal:14080", headers) == "http://cobble.internal:14080");
  CHECK(stranger.get("cobble.internal:14080", headers, "/client") == "127.0.0.1");
  // A hostile Host still never reaches a link.
  CHECK(stranger.get("evil.example/x") == "http://localhost");
}
