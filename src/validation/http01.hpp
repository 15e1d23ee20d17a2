#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <string>

#include "validation/address_policy.hpp"
#include "validation/outcome.hpp"
#include "validation/resolver.hpp"

namespace cobble::validation {

// Where an http-01 redirect may lead: `standard` is Let's Encrypt's rule (ports 80 and 443, plus
// this CA's configured http/https ports), `any` is Pebble's (every port).
enum class RedirectPorts { standard, any };

struct HttpOptions {
  std::uint16_t http_port = 80;    // where the first request goes
  std::uint16_t https_port = 443;  // redirects may also go to this port (and to 80/443)
  AddressPolicy policy;
  std::chrono::seconds timeout{10};  // the whole validation, redirects included
  std::string user_agent = "Cobble-VA (ACME server; +https://localhost/)";
  std::size_t max_body = 4096;
  int max_redirects = 10;
  RedirectPorts redirect_ports = RedirectPorts::standard;
  std::string source_address;  // the perspective's own source address ("" = the system's choice)
};

// RFC 8555 §8.3: GET http://<name>:<http_port>/.well-known/acme-challenge/<token>; the body,
// trailing whitespace trimmed, must equal the key authorization. Redirects (301, 302, 307, 308)
// are followed as Let's Encrypt does: at most 10, http/https only, ports 80/443 or the configured
// ones (any port with RedirectPorts::any), addresses checked against the policy every time.
boost::asio::awaitable<Outcome> validate_http01(Resolver& resolver, const Request& request,
                                                const HttpOptions& options);

}  // namespace cobble::validation
