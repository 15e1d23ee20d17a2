#include "http/server.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <functional>
#include <mutex>
#include <vector>

#include "common/exception_boundary.hpp"
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
  std::vector<std::shared_ptr<ListenerContext>> listeners;  // kept for stats()
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

constexpr auto kReportEvery = std::chrono::seconds(10);
constexpr auto kFirstAcceptPause = std::chrono::milliseconds(10);
constexpr auto kLongestAcceptPause = std::chrono::seconds(1);

template <class Socket>
std::string remote_address(const Socket& socket) {
  boost::system::error_code ec;
  auto ep = socket.remote_endpoint(ec);
  return ec ? "?" : ep.address().to_string();
}

void report_refusals(ListenerContext& ctx) {
  if (auto fresh = ctx.connections.refusals_to_report(std::chrono::steady_clock::now(), kReportEvery)) {
    spdlog::warn(
        "{}: {} connection(s) refused since the last report (listener full: {} in all, one address "
        "full: {} in all; {} open)",
        ctx.name, *fresh, ctx.connections.refused(ConnectionLimits::Refusal::listener_full),
        ctx.connections.refused(ConnectionLimits::Refusal::address_full), ctx.connections.open());
  }
}

asio::awaitable<void> accept_loop(std::shared_ptr<tcp::acceptor> acceptor,
                                  std::shared_ptr<ListenerContext> ctx,
                                  std::shared_ptr<ConnectionRegistry> registry,
                                  std::function<asio::io_context&()> next_context) {
  asio::steady_timer pause(acceptor->get_executor());
  auto wait = kFirstAcceptPause;
  auto last_error_log = std::chrono::steady_clock::time_point{};
  for (;;) {
    auto [ec, socket] = co_await acceptor->async_accept(next_context(), asio::as_tuple(asio::use_awaitable));
    if (ec == asio::error::operation_aborted || !acceptor->is_open()) co_return;
    if (ec) {
      // Out of file descriptors (EMFILE/ENFILE) or memory: the connection stays queued, so trying
      // again at once would spin. Wait, longer each time, until an accept succeeds.
      ++ctx->accept_errors;
      auto now = std::chrono::steady_clock::now();
      if (now - last_error_log >= kReportEvery) {
        spdlog::warn("{}: accept failed: {} (pausing accepts, up to {} ms at a time; {} failure(s) so far)",
                     ctx->name, ec.message(), kLongestAcceptPause.count() * 1000, ctx->accept_errors.load());
        last_error_log = now;
      }
      pause.expires_after(wait);
      co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
      wait = std::min<std::chrono::milliseconds>(wait * 2, kLongestAcceptPause);
      continue;
    }
    wait = kFirstAcceptPause;
    auto remote = remote_address(socket);
    auto place = ctx->connections.admit(remote);
    if (!place) {
      boost::system::error_code ignored;
      socket.close(ignored);  // the client sees its connection closed at once, before any byte
      report_refusals(*ctx);
      continue;
    }
    ++ctx->accepted;
    // Replies go out as one write; without TCP_NODELAY, Nagle and the peer's delayed ACK add
    // ~40 ms to a new connection's exchanges (measured by bench/validation_load.py).
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    auto executor = socket.get_executor();
    asio::co_spawn(executor,
                   run_session(std::move(socket), ctx, registry, std::move(*place), std::move(remote)),
                   common::LogEscaped{ctx->name + " connection"});
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

common::Result<std::uint16_t> Server::listen(ListenerSpec spec) {
  const auto& name = spec.name;
  const auto& address = spec.address;
  boost::system::error_code ec;
  auto ip = asio::ip::make_address(address == "localhost" ? "127.0.0.1" : address, ec);
  if (ec) return common::fail(std::errc::invalid_argument, name + ": '" + address + "' is not an IP address");
  tcp::endpoint endpoint(ip, spec.port);
  auto acceptor = std::make_shared<tcp::acceptor>(state_->io);
  acceptor->open(endpoint.protocol(), ec);
  if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    auto code = ec == asio::error::address_in_use ? std::errc::address_in_use : std::errc::invalid_argument;
    return common::fail(
        code, name + ": cannot listen on " + address + ":" + std::to_string(spec.port) + ": " + ec.message());
  }
  auto bound = acceptor->local_endpoint().port();
  auto ctx = std::make_shared<ListenerContext>(std::max<std::size_t>(1, spec.max_connections),
                                               std::max<std::size_t>(1, spec.max_connections_per_address));
  ctx->name = std::move(spec.name);
  ctx->scheme = spec.tls ? "https" : "http";
  ctx->external_url = std::move(spec.external_url);
  ctx->trusted_proxies = std::move(spec.trusted_proxies);
  ctx->handler = std::move(spec.handler);
  ctx->limits = state_->limits;
  ctx->handler_executor = state_->handler_executor;
  ctx->handlers_on_io_thread = spec.where == HandlerThreads::io;
  ctx->tls = std::move(spec.tls);
  ctx->instruments = std::move(spec.instruments);
  {
    std::lock_guard lock(state_->mutex);
    state_->acceptors.push_back(acceptor);
    state_->listeners.push_back(ctx);
  }
  auto next_context = [state = state_]() -> asio::io_context& {
    return state->context_for_next_connection();
  };
  asio::co_spawn(state_->io, accept_loop(acceptor, ctx, state_->registry, next_context),
                 common::LogEscaped{ctx->name + " accept loop"});
  return bound;
}

std::vector<ListenerStats> Server::stats() const {
  std::lock_guard lock(state_->mutex);
  std::vector<ListenerStats> out;
  for (const auto& l : state_->listeners) {
    out.push_back({l->name, l->connections.open(), l->accepted.load(),
                   l->connections.refused(ConnectionLimits::Refusal::listener_full),
                   l->connections.refused(ConnectionLimits::Refusal::address_full), l->accept_errors.load()});
  }
  return out;
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
