#pragma once

#include <boost/asio/io_context.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "challsrv/dns_wire.hpp"
#include "challsrv/net.hpp"
#include "challsrv/state.hpp"
#include "common/result.hpp"

namespace cobble::challsrv {

// The mock's answer to one question, as pebble-challtestsrv gives it: SERVFAIL hosts fail every
// type; names set with set_nxdomain (a Cobble extension) get NXDOMAIN for every type; a CNAME is
// answered and followed one level; A/AAAA fall back to the defaults (never for IP-literal names);
// TXT/CAA come from the store; other unknown names get an empty NOERROR; other types NOTIMP. A
// dummy SOA always goes in the authority section.
dns::Response resolve(const State& state, const dns::Query& query);

// Parses `wire`, records the question in the history, resolves and encodes. nullopt when the
// message should be dropped (not a query). `over_tcp` picks the size limit: 65535 over TCP, else
// 512 or the client's EDNS payload size (capped at 4096); a larger answer is sent truncated (TC).
std::optional<std::string> answer_dns(State& state, std::string_view wire, bool over_tcp);

// Serves answer_dns over UDP and TCP (RFC 1035 §4.2.2 length prefix) on the same port.
class DnsServer {
 public:
  DnsServer(boost::asio::io_context& io, std::shared_ptr<State> state);
  ~DnsServer();
  DnsServer(const DnsServer&) = delete;
  DnsServer& operator=(const DnsServer&) = delete;

  // Binds UDP and TCP on one port (port 0: an ephemeral port free for both) and returns it.
  common::Result<std::uint16_t> listen(const BindAddress& bind);
  // Closes the sockets (thread-safe).
  void stop();

  struct Shared;  // the server loops' view

 private:
  std::shared_ptr<Shared> shared_;
};

}  // namespace cobble::challsrv
