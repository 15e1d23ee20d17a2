#pragma once

// Helpers for tests against real loopback sockets: drive a coroutine to completion with a deadline
// (no sleeping), find a port nothing listens on, and hold a listener that never answers.

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_future.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <future>

namespace cobble::test {

// Runs `io` until `task` is done; fails the test (rather than hanging the suite) after `limit`.
template <class T>
T run_until_done(boost::asio::io_context& io, boost::asio::awaitable<T> task,
                 std::chrono::seconds limit = std::chrono::seconds(30)) {
  auto future = boost::asio::co_spawn(io, std::move(task), boost::asio::use_future);
  io.restart();
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (future.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
    if (std::chrono::steady_clock::now() > deadline) FAIL("the coroutine did not finish in time");
    io.run_one_for(std::chrono::milliseconds(100));
  }
  return future.get();
}

// A 127.0.0.1 port that was free a moment ago and has no listener now (connections are refused).
inline std::uint16_t closed_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return acceptor.local_endpoint().port();
}

// Listens on 127.0.0.1 but never accepts: the kernel completes the TCP handshake from the backlog,
// so clients connect and then wait forever for an answer.
class SilentListener {
 public:
  SilentListener() : acceptor_(io_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {}
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

 private:
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
};

}  // namespace cobble::test
