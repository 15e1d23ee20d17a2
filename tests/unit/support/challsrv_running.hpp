#pragma once

// cobble-challsrv in-process for validation tests: DNS, http-01, tls-alpn-01 and management on
// 127.0.0.1 ephemeral ports, run by one thread for the life of the object. The DNS server answers
// A 127.0.0.1 for any name (no AAAA unless added); tests change what it serves through state().

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

#include "challsrv/app.hpp"
#include "validation/resolver.hpp"

namespace cobble::test {

class ChallSrvRunning {
 public:
  ChallSrvRunning() {
    challsrv::Config config{"127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1", ""};
    auto started = server_.start(config);
    REQUIRE(started);
    ports_ = *started;
    thread_ = std::thread([this] { io_.run(); });
  }
  ~ChallSrvRunning() {
    server_.stop();
    io_.stop();
    thread_.join();
  }
  ChallSrvRunning(const ChallSrvRunning&) = delete;
  ChallSrvRunning& operator=(const ChallSrvRunning&) = delete;

  challsrv::State& state() { return server_.state(); }
  // "127.0.0.1:<port>", the form validation::Resolver::Options::server takes.
  std::string dns_server() const { return "127.0.0.1:" + std::to_string(ports_.dns.at(0)); }
  std::uint16_t http01_port() const { return ports_.http01.at(0); }
  std::uint16_t tlsalpn01_port() const { return ports_.tlsalpn01.at(0); }
  std::uint16_t management_port() const { return ports_.management.at(0); }

 private:
  boost::asio::io_context io_;
  challsrv::ChallSrv server_{io_};
  challsrv::BoundPorts ports_;
  std::thread thread_;
};

// A running challsrv, the io_context validations run on, and a resolver asking the challsrv's DNS:
// what every validation test starts from.
struct ChallSrvResolver {
  ChallSrvRunning challsrv;
  boost::asio::io_context io;
  validation::Resolver resolver{
      io.get_executor(),
      {.server = challsrv.dns_server(), .timeout = std::chrono::milliseconds(1000), .tries = 2}};
};

}  // namespace cobble::test
