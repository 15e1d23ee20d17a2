#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>
#include <string>

namespace cobble::validation {

// Opens `socket` for connecting to `target` and, when `source` is an address of the same family,
// binds it there first: how a validation perspective with its own source address (loopback
// 127.0.0.N in tests) is told apart by the server it reaches. "" or another family: the system
// picks, as for any connection. An error names why the bind failed (no such local address).
boost::system::error_code bind_source(boost::asio::ip::tcp::socket& socket,
                                      const boost::asio::ip::tcp::endpoint& target,
                                      const std::string& source);

}  // namespace cobble::validation
