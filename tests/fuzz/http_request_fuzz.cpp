// fuzz: stateful (keeps a server between inputs; scripts/fuzz checks leaks at exit, not per input)
// Whole HTTP requests, as bytes on a real loopback connection, through the listener's session
// (Beast's parser, the header and body limits, keep-alive), the router and the handlers of the
// ACME and management APIs. The first byte picks the listener (modulo 3: ACME, management, ACME
// behind a trusted proxy, whose Forwarded / X-Forwarded-* headers are believed); the rest is sent,
// then the client half-closes and reads the answer until the server closes.
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <thread>

#include "api/management/management.hpp"
#include "fuzz_ca.hpp"
#include "fuzz_input.hpp"
#include "http/server.hpp"

using namespace cobble;

namespace {

struct World {
  fuzz::FuzzCa ca;
  std::unique_ptr<fuzz::FuzzClient> client = std::make_unique<fuzz::FuzzClient>(ca);
  fuzz::Targets targets = fuzz::Targets::make(ca, *client);
  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard =
      boost::asio::make_work_guard(io);
  http::Server server{io, {&io}, io.get_executor(), http::Limits{}};
  std::uint16_t acme_port = 0, management_port = 0, proxied_port = 0;
  std::thread thread;
  std::size_t inputs = 0;

  World() {
    auto& services = *ca.components().core.services;
    auto& management = *ca.components().core.management;
    auto acme = server.listen(
        {.address = "127.0.0.1",
         .handler = [&services](const api::Request& r) { return api::handle_acme(r, services); },
         .name = "acme",
         .where = http::HandlerThreads::io});
    auto mgmt = server.listen(
        {.address = "127.0.0.1",
         .handler = [&management](const api::Request& r) { return api::handle_management(r, management); },
         .name = "management",
         .where = http::HandlerThreads::io});
    auto loopback = http::TrustedProxies::parse({"127.0.0.1"});
    fuzz::need(loopback.has_value(), "trusted proxies");
    auto proxied = server.listen(
        {.address = "127.0.0.1",
         .handler = [&services](const api::Request& r) { return api::handle_acme(r, services); },
         .name = "acme-proxied",
         .where = http::HandlerThreads::io,
         .trusted_proxies = *loopback});
    fuzz::need(acme && mgmt && proxied, "listen");
    acme_port = *acme;
    management_port = *mgmt;
    proxied_port = *proxied;
    thread = std::thread([this] { io.run(); });
  }
  ~World() {
    server.stop();
    guard.reset();
    io.stop();
    thread.join();
  }
};

World& world() {
  static World w;
  return w;
}

// Sends `bytes` on a fresh connection, half-closes, and returns all the server sent back.
std::string exchange(std::uint16_t port, std::string_view bytes) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  fuzz::need(fd >= 0, "socket");
  timeval timeout{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string response;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
      auto n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) break;
      sent += static_cast<std::size_t>(n);
    }
    ::shutdown(fd, SHUT_WR);
    char buffer[16 * 1024];
    for (;;) {
      auto n = ::recv(fd, buffer, sizeof buffer, 0);
      if (n <= 0) break;
      response.append(buffer, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  return response;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto& w = world();
  if (size == 0) return 0;
  const std::uint16_t ports[] = {w.acme_port, w.management_port, w.proxied_port};
  auto port = ports[data[0] % 3];
  auto response = exchange(port, fuzz::as_text(data + 1, size - 1));
  // Every answer is HTTP/1.x (or nothing, when the peer sent nothing worth answering).
  FUZZ_CHECK(response.empty() || response.starts_with("HTTP/1."));
  FUZZ_CHECK(response.size() < 12 || response.substr(9, 3) != "500");  // bad input is never an internal error
  w.ca.drain();
  if (++w.inputs % 2000 == 0) {
    (void)w.ca.components().store->reset();
    w.targets = fuzz::Targets::make(w.ca, *w.client);
  }
  return 0;
}
