#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>

#include "validation/address_policy.hpp"
#include "validation/outcome.hpp"
#include "validation/resolver.hpp"

namespace cobble::validation {

struct TlsAlpnOptions {
  std::uint16_t tls_port = 443;
  AddressPolicy policy;
  std::chrono::seconds timeout{10};
};

// RFC 8737: TLS to <name>:<tls_port> with SNI <name> and ALPN "acme-tls/1"; the self-signed
// certificate must name exactly <name> (one dNSName SAN) and carry the critical acmeIdentifier
// extension (1.3.6.1.5.5.7.1.31) holding SHA-256(key authorization).
boost::asio::awaitable<Outcome> validate_tls_alpn01(Resolver& resolver, const Request& request,
                                                    const TlsAlpnOptions& options);

}  // namespace cobble::validation
