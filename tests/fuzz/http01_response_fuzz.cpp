// fuzz: stateful (keeps a server between inputs; scripts/fuzz checks leaks at exit, not per input)
// What an http-01 validation target answers (status line, headers, Location, body), as bytes on a
// real loopback connection, through the validation's HTTP client, its redirect handling and the
// problem it reports. The outcome must always be a problem a person can read, in valid UTF-8.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>

#include "acme/json_text.hpp"
#include "common/text.hpp"
#include "fuzz_input.hpp"
#include "validation/http01.hpp"

using namespace cobble;
namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

struct World {
  asio::io_context io;
  tcp::acceptor acceptor{io, {asio::ip::make_address("127.0.0.1"), 0}};
  // Lookups (of redirect targets' names) go to a port where nothing answers: they fail at once.
  validation::Resolver resolver{io.get_executor(), {"127.0.0.1:9", std::chrono::milliseconds(200), 1}};
  std::string answer;  // what the target sends back to every request

  World() { asio::co_spawn(io, serve(), asio::detached); }

  asio::awaitable<void> serve() {
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
      if (ec) co_return;
      std::string request;
      co_await asio::async_read_until(socket, asio::dynamic_buffer(request), "\r\n\r\n",
                                      asio::as_tuple(asio::use_awaitable));
      co_await asio::async_write(socket, asio::buffer(answer), asio::as_tuple(asio::use_awaitable));
      boost::system::error_code ignored;
      socket.shutdown(tcp::socket::shutdown_both, ignored);
    }
  }
};

World& world() {
  static World w;
  return w;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto& w = world();
  w.answer.assign(reinterpret_cast<const char*>(data), size);
  validation::Request request;
  request.type = "http-01";
  request.identifier = {"ip", "127.0.0.1"};
  request.token = "token";
  request.key_authorization = "token.thumbprint";
  validation::HttpOptions options;
  options.http_port = w.acceptor.local_endpoint().port();
  options.https_port = options.http_port;
  options.policy.allow_loopback = true;
  options.timeout = std::chrono::seconds(2);
  options.max_redirects = 3;
  auto done =
      asio::co_spawn(w.io, validation::validate_http01(w.resolver, request, options), asio::use_future);
  w.io.restart();
  while (done.wait_for(std::chrono::seconds(0)) != std::future_status::ready) w.io.run_one();
  auto outcome = done.get();
  if (outcome.problem) {
    FUZZ_CHECK(common::valid_utf8(outcome.problem->detail) == outcome.problem->detail);
    (void)nlohmann::json(outcome.problem->detail).dump();  // nlohmann's dump throws on bad UTF-8
  }
  for (const auto& url : outcome.redirects) FUZZ_CHECK(common::is_ascii(url));
  return 0;
}
