#include "challsrv/http_listener.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>
#include <mutex>
#include <vector>

#include "challsrv/net.hpp"

namespace cobble::challsrv {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

namespace {
constexpr std::size_t kMaxBodyBytes = 64 * 1024;
constexpr auto kIoTimeout = std::chrono::seconds(30);
}  // namespace

struct HttpListener::Shared {
  asio::io_context& io;
  std::string name;
  HttpHandler handler;
  std::mutex mutex;
  std::vector<std::shared_ptr<tcp::acceptor>> acceptors;
};

namespace {

HttpResponse call_handler(const HttpListener::Shared& shared, const HttpRequest& request, const Peer& peer);

void log_exception(const std::string& name, std::exception_ptr error) {
  if (!error) return;
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    spdlog::warn("{}: connection ended: {}", name, e.what());
  }
}

asio::awaitable<void> run_session(tcp::socket socket, std::shared_ptr<HttpListener::Shared> shared) {
  boost::system::error_code peer_ec;
  auto remote = socket.remote_endpoint(peer_ec);
  const Peer peer{peer_ec ? std::string() : remote.address().to_string()};
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(kMaxBodyBytes);
    stream.expires_after(kIoTimeout);
    auto [read_ec, read_n] =
        co_await http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
    if (read_ec) break;
    const auto request = parser.release();
    auto response = call_handler(*shared, request, peer);
    response.version(request.version());
    response.keep_alive(request.keep_alive());
    response.prepare_payload();
    if (request.method() == http::verb::head) {  // RFC 9110 §9.3.2: the GET headers, no content
      auto length = response.body().size();
      response.body().clear();
      response.content_length(length);
    }
    stream.expires_after(kIoTimeout);
    auto [write_ec, write_n] =
        co_await http::async_write(stream, response, asio::as_tuple(asio::use_awaitable));
    if (write_ec || !response.keep_alive()) break;
  }
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

asio::awaitable<void> accept_loop(std::shared_ptr<tcp::acceptor> acceptor,
                                  std::shared_ptr<HttpListener::Shared> shared) {
  for (;;) {
    auto [ec, socket] =
        co_await acceptor->async_accept(asio::make_strand(shared->io), asio::as_tuple(asio::use_awaitable));
    if (ec == asio::error::operation_aborted || !acceptor->is_open()) co_return;
    if (ec) {
      spdlog::warn("{}: accept failed: {}", shared->name, ec.message());
      continue;
    }
    auto executor = socket.get_executor();
    asio::co_spawn(executor, run_session(std::move(socket), shared),
                   [name = shared->name](std::exception_ptr e) { log_exception(name, e); });
  }
}

HttpResponse call_handler(const HttpListener::Shared& shared, const HttpRequest& request, const Peer& peer) {
  try {
    return shared.handler(request, peer);
  } catch (const std::exception& e) {
    spdlog::error("{}: {} {}: {}", shared.name, std::string(request.method_string()),
                  std::string(request.target()), e.what());
    HttpResponse response{http::status::internal_server_error, request.version()};
    return response;
  }
}

}  // namespace

HttpListener::HttpListener(asio::io_context& io, std::string name, HttpHandler handler)
    : shared_(std::make_shared<Shared>(io, std::move(name), std::move(handler))) {}

HttpListener::~HttpListener() { stop(); }

common::Result<std::uint16_t> HttpListener::listen(const BindAddress& bind) {
  auto opened = open_acceptor(asio::make_strand(shared_->io), bind);
  if (!opened) return common::fail(opened.error().code, shared_->name + ": " + opened.error().message);
  auto acceptor = std::make_shared<tcp::acceptor>(std::move(*opened));
  auto port = acceptor->local_endpoint().port();
  {
    std::lock_guard lock(shared_->mutex);
    shared_->acceptors.push_back(acceptor);
  }
  asio::co_spawn(acceptor->get_executor(), accept_loop(acceptor, shared_),
                 [name = shared_->name](std::exception_ptr e) { log_exception(name, e); });
  return port;
}

void HttpListener::stop() {
  std::lock_guard lock(shared_->mutex);
  close_all(shared_->acceptors);
}

}  // namespace cobble::challsrv
