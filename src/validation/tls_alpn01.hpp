#pragma once

#include <openssl/x509.h>

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
  std::string source_address;  // the perspective's own source address ("" = the system's choice)
};

// What is wrong with a tls-alpn-01 certificate for `identifier` (RFC 8737 §3; RFC 8738 §6 for an IP
// identifier: one iPAddress SAN equal to the address), "" when it is right. The peer's bytes in it
// (SANs) are quoted printably.
std::string certificate_problem(X509* cert, const acme::Identifier& identifier,
                                const std::string& key_authorization);

// RFC 8737: TLS to <name>:<tls_port> with SNI <name> and ALPN "acme-tls/1"; the self-signed
// certificate must name exactly <name> (one dNSName SAN) and carry the critical acmeIdentifier
// extension (1.3.6.1.5.5.7.1.31) holding SHA-256(key authorization).
boost::asio::awaitable<Outcome> validate_tls_alpn01(Resolver& resolver, const Request& request,
                                                    const TlsAlpnOptions& options);

}  // namespace cobble::validation
