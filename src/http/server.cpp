#include "http/server.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <functional>
#include <mutex>
#include <vector>

#include "http/session.hpp"

namespace cobble::http {
namespace asio = boost::asio;
using asio::ip::tcp;

struct Server::State {
  asio::io_context& io;
  std::vector<asio::io_context*> connection_contexts;
  asio::any_io_executor handler_executor;
  Limits limits;
  std::atomic<std::size_t> next_context{0};

  asio::io_context& context_for_next_connection() {
    return *connection_contexts[next_context++ % connection_contexts.size()];
  }
  std::shared_ptr<ConnectionRegistry> registry = std::make_shared<ConnectionRegistry>();
  std::mutex mutex;
  std::vector<std::shared_ptr<tcp::acceptor>> acceptors;
};

common::Result<std::shared_ptr<asio::ssl::context>> make_tls_context(const std::string& cert_chain_file,
                                                                     const std::string& key_file) {
  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                   asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                   asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
  boost::system::error_code ec;
  ctx->use_certificate_chain_file(cert_chain_file, ec);
  if (ec)
    return common::fail(std::errc::invalid_argument,
                        "cannot load TLS certificate " + cert_chain_file + ": " + ec.message());
  ctx->use_private_key_file(key_file, asio::ssl::context::pem, ec);
  if (ec)
    return common::fail(std::errc::invalid_argument,
                        "cannot load TLS private key " + key_file + ": " + ec.message());
  return ctx;
}

namespace {

asio::awaitable<void> accept_loop(std::shared_ptr<tcp::acceptor> acceptor,
                                  std::shared_ptr<ListenerContext> ctx,
                                  std::shared_ptr<ConnectionRegistry> registry,
                                  std::function<asio::io_context&()> next_context) {
  for (;;) {
    auto [ec, socket] = co_await acceptor->async_accept(next_context(), asio::as_tuple(asio::use_awaitable));
    if (ec == asio::error::operation_aborted || !acceptor->is_open()) co_return;
    if (ec) {
      spdlog::warn("{}: accept failed: {}", ctx->name, ec.message());
      continue;
    }
    // Replies go out as one write; without TCP_NODELAY, Nagle and the peer's delayed ACK add
    // ~40 ms to a new connection's exchanges (measured by bench/validation_load.py).
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    auto executor = socket.get_executor();
    asio::co_spawn(executor, run_session(std::move(socket), ctx, registry), asio::detached);
  }
}

}  // namespace

Server::Server(asio::io_context& io, std::vector<asio::io_context*> connection_contexts,
               asio::any_io_executor handler_executor, Limits limits)
    : state_(
          std::make_shared<State>(io, std::move(connection_contexts), std::move(handler_executor), limits)) {
  if (state_->connection_contexts.empty()) state_->connection_contexts.push_back(&io);
}

Server::~Server() { stop(); }

common::Result<std::uint16_t> Server::listen(const std::string& address, std::uint16_t port,
                                             std::shared_ptr<asio::ssl::context> tls, Handler handler,
                                             std::string name, HandlerThreads where) {
  boost::system::error_code ec;
  auto ip = asio::ip::make_address(address == "localhost" ? "127.0.0.1" : address, ec);
  if (ec) return common::fail(std::errc::invalid_argument, name + ": '" + address + "' is not an IP address");
  tcp::endpoint endpoint(ip, port);
  auto acceptor = std::make_shared<tcp::acceptor>(state_->io);
  acceptor->open(endpoint.protocol(), ec);
  if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    auto code = ec == asio::error::address_in_use ? std::errc::address_in_use : std::errc::invalid_argument;
    return common::fail(
        code, name + ": cannot listen on " + address + ":" + std::to_string(port) + ": " + ec.message());
  }
  auto bound = acceptor->local_endpoint().port();
  auto ctx = std::make_shared<ListenerContext>();
  ctx->name = std::move(name);
  ctx->scheme = tls ? "https" : "http";
  ctx->handler = std::move(handler);
  ctx->limits = state_->limits;
  ctx->handler_executor = state_->handler_executor;
  ctx->handlers_on_io_thread = where == HandlerThreads::io;
  ctx->tls = std::move(tls);
  {
    std::lock_guard lock(state_->mutex);
    state_->acceptors.push_back(acceptor);
  }
  auto next_context = [state = state_]() -> asio::io_context& {
    return state->context_for_next_connection();
  };
  asio::co_spawn(state_->io, accept_loop(acceptor, ctx, state_->registry, next_context), asio::detached);
  return bound;
}

void Server::stop() {
  {
    std::lock_guard lock(state_->mutex);
    for (auto& acceptor : state_->acceptors) {
      asio::post(acceptor->get_executor(), [acceptor] {
        boost::system::error_code ignored;
        acceptor->close(ignored);
      });
    }
    state_->acceptors.clear();
  }
  state_->registry->close_all();
}

std::size_t Server::active_connections() const { return state_->registry->size(); }

}  // namespace cobble::http
