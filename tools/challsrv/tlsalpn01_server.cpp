#include "challsrv/tlsalpn01_server.hpp"

#include <arpa/inet.h>
#include <openssl/ssl.h>
#include <openssl/tls1.h>
#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <chrono>
#include <mutex>
#include <vector>

#include "challsrv/net.hpp"
#include "challsrv/tlsalpn01_cert.hpp"

namespace cobble::challsrv {
namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;

namespace {
constexpr auto kHandshakeTimeout = std::chrono::seconds(10);
}  // namespace

struct TlsAlpnServer::Shared {
  asio::io_context& io;
  std::shared_ptr<State> state;
  PkeyPtr key;  // one key for all challenge certificates, as challtestsrv
  asio::ssl::context tls{asio::ssl::context::tls_server};
  std::mutex mutex;
  std::vector<std::shared_ptr<tcp::acceptor>> acceptors;
};

namespace {

// RFC 6066 §3: ServerNameList of {NameType, HostName}; we want the host_name (0) entry.
std::string parse_sni(const unsigned char* data, std::size_t len) {
  if (len < 2) return {};
  std::size_t pos = 2;
  while (pos + 3 <= len) {
    auto type = data[pos];
    std::size_t name_len = static_cast<std::size_t>(data[pos + 1] << 8 | data[pos + 2]);
    pos += 3;
    if (pos + name_len > len) break;
    if (type == TLSEXT_NAMETYPE_host_name)
      return std::string(reinterpret_cast<const char*>(data + pos), name_len);
    pos += name_len;
  }
  return {};
}

// RFC 7301 §3.1: ProtocolNameList of length-prefixed names.
std::vector<std::string> parse_alpn(const unsigned char* data, std::size_t len) {
  std::vector<std::string> protos;
  std::size_t pos = 2;
  while (pos < len) {
    std::size_t n = data[pos++];
    if (pos + n > len) break;
    protos.emplace_back(reinterpret_cast<const char*>(data + pos), n);
    pos += n;
  }
  return protos;
}

int on_client_hello(SSL* ssl, int* alert, void* arg) {
  auto& shared = *static_cast<TlsAlpnServer::Shared*>(arg);
  const unsigned char* data = nullptr;
  std::size_t len = 0;
  TlsAlpnEvent event;
  if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_server_name, &data, &len))
    event.server_name = parse_sni(data, len);
  if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_application_layer_protocol_negotiation, &data, &len))
    event.supported_protos = parse_alpn(data, len);
  const auto server_name = event.server_name;
  const bool acme_only = event.supported_protos.size() == 1 && event.supported_protos[0] == kAcmeTls1Protocol;
  shared.state->record(std::move(event));
  if (!acme_only) {
    spdlog::info("tls-alpn-01: {}: client did not offer exactly acme-tls/1", server_name);
    *alert = SSL_AD_NO_APPLICATION_PROTOCOL;
    return SSL_CLIENT_HELLO_ERROR;
  }
  auto key_authorization = shared.state->tlsalpn01(server_name);
  // RFC 8738 §6: an IP identifier arrives as its reverse name; /add-tlsalpn01 may name the address.
  if (!key_authorization) {
    if (auto ip = ip_from_reverse_name(server_name)) {
      char text[INET6_ADDRSTRLEN] = {};
      inet_ntop(ip->size() == 4 ? AF_INET : AF_INET6, ip->data(), text, sizeof text);
      key_authorization = shared.state->tlsalpn01(text);
    }
  }
  if (!key_authorization) {
    spdlog::info("tls-alpn-01: no key authorization for '{}'", server_name);
    *alert = SSL_AD_UNRECOGNIZED_NAME;
    return SSL_CLIENT_HELLO_ERROR;
  }
  auto cert = make_challenge_cert(server_name, *key_authorization, shared.key.get());
  if (!cert) {
    spdlog::warn("tls-alpn-01: {}", cert.error().message);
    *alert = SSL_AD_INTERNAL_ERROR;
    return SSL_CLIENT_HELLO_ERROR;
  }
  if (SSL_use_certificate(ssl, cert->get()) != 1 || SSL_use_PrivateKey(ssl, shared.key.get()) != 1) {
    *alert = SSL_AD_INTERNAL_ERROR;
    return SSL_CLIENT_HELLO_ERROR;
  }
  return SSL_CLIENT_HELLO_SUCCESS;
}

int on_alpn(SSL*, const unsigned char** out, unsigned char* out_len, const unsigned char* in, unsigned in_len,
            void*) {
  static constexpr unsigned char kOffer[] = {10, 'a', 'c', 'm', 'e', '-', 't', 'l', 's', '/', '1'};
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, out_len, kOffer, sizeof kOffer, in, in_len) != OPENSSL_NPN_NEGOTIATED)
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

void log_exception(std::exception_ptr error) {
  if (!error) return;
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    spdlog::warn("tls-alpn-01: {}", e.what());
  }
}

asio::awaitable<void> run_session(tcp::socket socket, std::shared_ptr<TlsAlpnServer::Shared> shared) {
  beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)), shared->tls);
  beast::get_lowest_layer(stream).expires_after(kHandshakeTimeout);
  auto [ec] =
      co_await stream.async_handshake(asio::ssl::stream_base::server, asio::as_tuple(asio::use_awaitable));
  if (ec) {
    spdlog::debug("tls-alpn-01: handshake failed: {}", ec.message());
    co_return;
  }
  // Validators hang up after the handshake; say goodbye properly and stop.
  co_await stream.async_shutdown(asio::as_tuple(asio::use_awaitable));
}

asio::awaitable<void> accept_loop(std::shared_ptr<tcp::acceptor> acceptor,
                                  std::shared_ptr<TlsAlpnServer::Shared> shared) {
  for (;;) {
    auto [ec, socket] =
        co_await acceptor->async_accept(asio::make_strand(shared->io), asio::as_tuple(asio::use_awaitable));
    if (ec == asio::error::operation_aborted || !acceptor->is_open()) co_return;
    if (ec) {
      spdlog::warn("tls-alpn-01: accept failed: {}", ec.message());
      continue;
    }
    auto executor = socket.get_executor();
    asio::co_spawn(executor, run_session(std::move(socket), shared), log_exception);
  }
}

}  // namespace

TlsAlpnServer::TlsAlpnServer(asio::io_context& io, std::shared_ptr<State> state)
    : shared_(std::make_shared<Shared>(io, std::move(state), generate_p256_key())) {
  auto* ctx = shared_->tls.native_handle();
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_client_hello_cb(ctx, on_client_hello, shared_.get());
  SSL_CTX_set_alpn_select_cb(ctx, on_alpn, nullptr);
}

TlsAlpnServer::~TlsAlpnServer() { stop(); }

common::Result<std::uint16_t> TlsAlpnServer::listen(const BindAddress& bind) {
  if (!shared_->key) return common::fail(std::errc::io_error, "tls-alpn-01: cannot generate a P-256 key");
  auto opened = open_acceptor(asio::make_strand(shared_->io), bind);
  if (!opened) return common::fail(opened.error().code, "tls-alpn-01: " + opened.error().message);
  auto acceptor = std::make_shared<tcp::acceptor>(std::move(*opened));
  auto port = acceptor->local_endpoint().port();
  {
    std::lock_guard lock(shared_->mutex);
    shared_->acceptors.push_back(acceptor);
  }
  asio::co_spawn(acceptor->get_executor(), accept_loop(acceptor, shared_), log_exception);
  return port;
}

void TlsAlpnServer::stop() {
  std::lock_guard lock(shared_->mutex);
  close_all(shared_->acceptors);
}

}  // namespace cobble::challsrv
