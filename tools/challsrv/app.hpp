#pragma once

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "challsrv/dns_server.hpp"
#include "challsrv/http_listener.hpp"
#include "challsrv/state.hpp"
#include "challsrv/tlsalpn01_server.hpp"
#include "common/result.hpp"

namespace cobble::challsrv {

// Listen addresses: comma-separated "host:port" lists as parse_bind_list reads them; "" disables.
// Defaults are pebble-challtestsrv's, except that the AAAA default is off (Pebble: ::1).
struct Config {
  std::string dns_address = ":8053";
  std::string http01_address = ":5002";
  std::string tlsalpn01_address = ":5001";
  std::string management_address = ":8055";
  std::string default_ipv4 = "127.0.0.1";
  std::string default_ipv6;
};

// The bound ports, one per listen address, in order.
struct BoundPorts {
  std::vector<std::uint16_t> dns;
  std::vector<std::uint16_t> http01;
  std::vector<std::uint16_t> tlsalpn01;
  std::vector<std::uint16_t> management;
};

// The composition root of cobble-challsrv: one State shared by the four servers. The servers run
// on `io`; whoever owns `io` runs it on one or more threads.
class ChallSrv {
 public:
  explicit ChallSrv(boost::asio::io_context& io);

  // Validates the config and binds every address. Fails with invalid_argument for a bad address or
  // default IP and address_in_use when a port is taken (already bound servers keep running until
  // stop() or destruction).
  common::Result<BoundPorts> start(const Config& config);
  // Closes all listening sockets (thread-safe).
  void stop();
  State& state() { return *state_; }

 private:
  std::shared_ptr<State> state_ = std::make_shared<State>();
  DnsServer dns_;
  HttpListener http01_;
  TlsAlpnServer tlsalpn01_;
  HttpListener management_;
};

}  // namespace cobble::challsrv
