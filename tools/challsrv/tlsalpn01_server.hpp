#pragma once

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <memory>

#include "challsrv/net.hpp"
#include "challsrv/state.hpp"
#include "common/result.hpp"

namespace cobble::challsrv {

// TLS-ALPN-01 responder (RFC 8737). For each ClientHello it records {ServerName, SupportedProtos}
// and then, like pebble-challtestsrv, completes the handshake only when the client offers exactly
// ALPN "acme-tls/1" (else alert no_application_protocol) and the SNI has a key authorization
// (else alert unrecognized_name), presenting a fresh self-signed certificate for that name.
// Nothing is served after the handshake.
class TlsAlpnServer {
 public:
  TlsAlpnServer(boost::asio::io_context& io, std::shared_ptr<State> state);
  ~TlsAlpnServer();
  TlsAlpnServer(const TlsAlpnServer&) = delete;
  TlsAlpnServer& operator=(const TlsAlpnServer&) = delete;

  // Binds and accepts; returns the bound port. Fails with address_in_use / invalid_argument.
  common::Result<std::uint16_t> listen(const BindAddress& bind);
  // Closes the acceptors (thread-safe).
  void stop();

  struct Shared;  // the accept loop's, sessions' and OpenSSL callbacks' view

 private:
  std::shared_ptr<Shared> shared_;
};

}  // namespace cobble::challsrv
