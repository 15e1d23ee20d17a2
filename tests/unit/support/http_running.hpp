#pragma once

// An http::Server in-process for tests over real loopback sockets: one listener on 127.0.0.1 (a
// free port), run by its own thread for the life of the object; handlers run on that thread.

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <thread>

#include "http/server.hpp"

namespace cobble::test {

class RunningHttpServer {
 public:
  // `spec` as given, but on 127.0.0.1, named "test", handlers on the I/O thread.
  explicit RunningHttpServer(http::ListenerSpec spec) {
    spec.address = "127.0.0.1";
    spec.name = "test";
    spec.where = http::HandlerThreads::io;
    port_ = server_.listen(std::move(spec)).value();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~RunningHttpServer() {
    server_.stop();
    guard_.reset();
    io_.stop();
    thread_.join();
  }
  std::uint16_t port() const { return port_; }
  http::ListenerStats stats() const { return server_.stats().at(0); }

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_ =
      boost::asio::make_work_guard(io_);
  http::Server server_{io_, {&io_}, io_.get_executor(), http::Limits{}};
  std::uint16_t port_ = 0;
  std::thread thread_;
};

// Polls `done` until it holds; fails the test after 5 s (what a server thread does in the meantime
// has no event to wait on).
template <class Predicate>
void wait_until(Predicate done) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) FAIL("timed out");
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace cobble::test
