#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/post.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace cobble::challsrv {

// One listen address as Pebble's flags spell it: "host:port", "[v6]:port" or ":port" (all
// interfaces). Only IP literals and "localhost" are accepted: no resolver at start-up.
struct BindAddress {
  std::string host;  // "" = all interfaces
  std::uint16_t port = 0;
  std::string text() const;
};

// Splits a comma-separated list (Pebble accepts several binds per flag); "" yields an empty list,
// which disables the server. Fails with invalid_argument naming the bad entry.
common::Result<std::vector<BindAddress>> parse_bind_list(std::string_view spec);

// Bound and listening / bound sockets. "All interfaces" is [::] dual-stack, or 0.0.0.0 where IPv6
// is unavailable. Port 0 picks an ephemeral port; read it from local_endpoint(). The socket
// runs on `executor` (give each socket a strand).
common::Result<boost::asio::ip::tcp::acceptor> open_acceptor(const boost::asio::any_io_executor& executor,
                                                             const BindAddress& bind);
common::Result<boost::asio::ip::udp::socket> open_udp(const boost::asio::any_io_executor& executor,
                                                      const BindAddress& bind);

// Closes each socket or acceptor on its own executor (so any thread may call it) and forgets them.
template <class Socket>
void close_all(std::vector<std::shared_ptr<Socket>>& sockets) {
  for (auto& socket : sockets) {
    boost::asio::post(socket->get_executor(), [socket] {
      boost::system::error_code ignored;
      socket->close(ignored);
    });
  }
  sockets.clear();
}

}  // namespace cobble::challsrv
