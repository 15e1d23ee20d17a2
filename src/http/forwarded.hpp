#pragma once

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/network_v4.hpp>
#include <boost/asio/ip/network_v6.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/message.hpp"
#include "common/result.hpp"

// Where a request really came from when a proxy stands in front: the public base URL its links
// are built on and the client's address, from the proxy's headers (RFC 7239 Forwarded, or
// X-Forwarded-For/-Proto/-Host) when the connection comes from a trusted proxy. Pure functions:
// no sockets, no Beast.
namespace cobble::http {

// The proxies whose forwarding headers are believed: addresses and CIDR networks, IPv4 and IPv6.
// Empty: nobody's. Immutable once made, so one copy may be read by every thread.
class TrustedProxies {
 public:
  TrustedProxies() = default;

  // Entries such as "192.0.2.7", "10.0.0.0/8", "::1", "2001:db8::/32". Fails with
  // errc::invalid_argument naming the entry when it is not an address (host names are not
  // resolved), its prefix length is out of range, or it has host bits set ("10.0.0.1/8").
  static common::Result<TrustedProxies> parse(const std::vector<std::string>& entries);

  bool empty() const { return v4_.empty() && v6_.empty(); }
  // An IPv4-mapped IPv6 address (::ffff:192.0.2.7, a dual-stack socket's peer) matches as IPv4.
  bool contains(const boost::asio::ip::address& address) const;
  // The entries in canonical form ("10.0.0.0/8"), for the start-up log.
  std::string describe() const;

 private:
  std::vector<boost::asio::ip::network_v4> v4_;
  std::vector<boost::asio::ip::network_v6> v6_;
};

// One element of RFC 7239's Forwarded header: what one proxy saw of the request it received.
// Values are unquoted; "" when the element has no such parameter.
struct ForwardedElement {
  std::string for_node;  // for=: the node that sent the request to that proxy
  std::string proto;     // proto=: the scheme it was received on
  std::string host;      // host=: the Host header it was received with
};

// The elements of a Forwarded header (every Forwarded field of a request, joined by ", " in
// order), left (the first proxy) to right (the nearest). nullopt when the text does not follow
// RFC 7239 §4 (a pair without '=', a bad token, an unterminated quoted string, a parameter twice
// in one element). Parameter names are case-insensitive; unknown ones (by=, ...) are skipped.
std::optional<std::vector<ForwardedElement>> parse_forwarded(std::string_view text);

// The IP address a forwarded node names: "192.0.2.60", "192.0.2.60:4711", "[2001:db8::1]",
// "[2001:db8::1]:4711", and a bare "2001:db8::1" as X-Forwarded-For writes it. nullopt for
// "unknown", obfuscated identifiers ("_hidden", RFC 7239 §6.3) and anything else.
std::optional<boost::asio::ip::address> node_address(std::string_view node);

// True when `text` is a host[:port] safe to put in a link: a name or IPv4 address of letters,
// digits, '-', '.' and '_' (at most 253), or an IPv6 address in brackets; then optionally ':' and
// a port of 1-5 digits. Nothing else passes (no '/', '@', '?', '#', spaces or controls).
bool valid_authority(std::string_view text);

// What a listener knows of itself, for request_origin.
struct ListenerOrigin {
  std::string_view scheme;        // "http" or "https", the listener's own
  std::string_view external_url;  // externalUrl ("" = none): the base whatever the headers say
  const TrustedProxies& trusted;
};

// Where one request came from, as replies and logs should name it.
struct RequestOrigin {
  std::string base_url;        // "scheme://host[:port]" every link is built on
  std::string client_address;  // for logs and per-address limits
};

// The request's origin, given its header fields and the socket peer's address (text).
// - When the peer is not in `trusted` (always, when it is empty), every forwarding header is
//   ignored: the client is the peer, the base is externalUrl or the listener's scheme and the Host
//   header ("localhost" when Host is not a valid_authority).
// - From a trusted peer, a Forwarded header, when present, is used alone; otherwise
//   X-Forwarded-For/-Proto/-Host. The client is found walking the forwarded addresses from the
//   right (the nearest proxy) past every trusted one: the first untrusted address is the client;
//   when an entry is not an address ("unknown", obfuscated, garbage) the walk stops at the trusted
//   proxy that wrote it; when all are trusted, the left-most one. A Forwarded header that does not
//   parse is ignored with the rest (client = peer).
// - The base, unless externalUrl is set: proto and host of the Forwarded element where the walk
//   stopped (written by the proxy that received the request from the client); for X-Forwarded-*,
//   the left-most value of each (what the first proxy received). A proto other than http/https,
//   or a host that is not a valid_authority, falls back to the listener's scheme / the Host header.
RequestOrigin request_origin(const api::Headers& headers, std::string_view peer,
                             const ListenerOrigin& listener);

}  // namespace cobble::http
