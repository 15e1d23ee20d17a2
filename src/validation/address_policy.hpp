#pragma once

#include <boost/asio/ip/address.hpp>
#include <optional>
#include <string>

namespace cobble::validation {

// Which addresses a validation may connect to. Special-purpose ranges (IANA IPv4/IPv6
// Special-Purpose Address Registries), multicast and unspecified addresses are refused before any
// connection is made, unless a category is explicitly allowed. Test setups allow loopback; a
// staging stand-in allows nothing.
struct AddressPolicy {
  bool allow_loopback = false;  // 127.0.0.0/8, ::1
  bool allow_private = false;   // RFC 1918, RFC 6598 shared, fc00::/7, link-local

  // Why `address` may not be contacted ("" when it may), e.g. "10.0.0.1 is a private-use
  // address (RFC 1918)".
  std::string refusal(const boost::asio::ip::address& address) const;
};

}  // namespace cobble::validation
