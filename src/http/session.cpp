#include "http/session.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <charconv>
#include <chrono>
#include <exception>

#include "acme/problem.hpp"
#include "api/message.hpp"
#include "api/problem_reply.hpp"
#include "common/log.hpp"
#include "common/text.hpp"
#include "http/forwarded.hpp"
#include "http/request_id.hpp"

namespace cobble::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

std::uint64_t ConnectionRegistry::add(std::function<void()> close) {
  std::lock_guard lock(mutex_);
  auto id = next_id_++;
  open_.emplace(id, std::move(close));
  return id;
}

void ConnectionRegistry::remove(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  open_.erase(id);
}

void ConnectionRegistry::close_all() {
  std::lock_guard lock(mutex_);
  stopping_ = true;
  for (auto& [id, close] : open_) close();
}

std::size_t ConnectionRegistry::size() const {
  std::lock_guard lock(mutex_);
  return open_.size();
}

bool ConnectionRegistry::stopping() const {
  std::lock_guard lock(mutex_);
  return stopping_;
}

namespace {

using BeastRequest = bhttp::request<bhttp::string_body>;
using BeastResponse = bhttp::response<bhttp::string_body>;

// Used only on the connection's I/O thread (each thread runs its own io_context: no strand);
// a shutdown reaches the socket only by being posted there.
struct ConnectionHandle {
  beast::tcp_stream* socket = nullptr;
  bool idle = true;
  bool stop_requested = false;
};

api::Request to_api_request(const BeastRequest& req, const ListenerContext& ctx, const std::string& remote) {
  api::Request out;
  out.method = std::string(req.method_string());
  std::string_view target = req.target();
  auto q = target.find('?');
  out.path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) out.query = std::string(target.substr(q + 1));
  for (const auto& field : req)
    out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  out.body = req.body();
  // The one place the base of every link and the client's address are decided (http/forwarded.hpp).
  auto origin = request_origin(out.headers, remote, {ctx.scheme, ctx.external_url, ctx.trusted_proxies});
  out.base_url = std::move(origin.base_url);
  out.remote_address = std::move(origin.client_address);
  out.request_id = request_id_for(out.headers, remote, ctx.trusted_proxies);
  return out;
}

BeastResponse to_beast_response(const api::Reply& reply, unsigned version, bool keep_alive, bool head) {
  BeastResponse res{static_cast<bhttp::status>(reply.status), version};
  res.set(bhttp::field::server, "cobble");
  if (!reply.content_type.empty()) res.set(bhttp::field::content_type, reply.content_type);
  for (const auto& [name, value] : reply.headers) res.insert(name, value);
  res.keep_alive(keep_alive);
  if (head) {
    res.content_length(reply.body.size());
  } else {
    res.body() = reply.body;
    res.prepare_payload();
  }
  return res;
}

// Transport-level refusals (the request never reached a handler).
api::Reply transport_problem(const beast::error_code& ec) {
  if (ec == bhttp::error::body_limit) {
    return api::problem_reply(
        acme::Problem::payload_too_large("The request body exceeds the server's limit"));
  }
  if (ec == bhttp::error::header_limit) {
    return api::problem_reply(
        acme::Problem::malformed("The request headers exceed the server's limit").with_status(431));
  }
  return api::problem_reply(acme::Problem::malformed("The request is not valid HTTP/1.1: " + ec.message()));
}

template <class Stream>
asio::awaitable<void> write_reply(Stream& stream, const api::Reply& reply, unsigned version, bool keep_alive,
                                  bool head) {
  auto res = to_beast_response(reply, version, keep_alive, head);
  bhttp::response_serializer<bhttp::string_body> serializer{res};
  if (head) serializer.split(true);
  if (head) {
    co_await bhttp::async_write_header(stream, serializer, asio::as_tuple(asio::use_awaitable));
  } else {
    co_await bhttp::async_write(stream, serializer, asio::as_tuple(asio::use_awaitable));
  }
}

// After refusing a request early (413), the client may still be sending its body; closing now
// would reset the connection before it reads the answer. Read and drop the rest for a short while.
template <class Stream>
asio::awaitable<void> drain_input(Stream& stream) {
  auto& socket = beast::get_lowest_layer(stream);
  socket.expires_after(std::chrono::seconds(2));
  std::array<char, 16 * 1024> sink;
  std::size_t total = 0;
  while (total < 8 * 1024 * 1024) {
    auto [ec, n] = co_await stream.async_read_some(asio::buffer(sink), asio::as_tuple(asio::use_awaitable));
    if (ec) break;
    total += n;
  }
}

api::Reply handle_safely(const ListenerContext& ctx, const api::Request& request) {
  try {
    return ctx.handler(request);
  } catch (const std::exception& e) {
    common::log_event(spdlog::level::err, "handler_error", {{"request_id", request.request_id}},
                      "{}: handler for {} {} threw: {}", ctx.name, request.method,
                      common::printable(request.path, 200), e.what());
  }
  return api::problem_reply(acme::Problem::server_internal("The server hit an internal error"));
}

// The account field of a request's line: a number, as the events of authority/ write it.
common::LogField account_field(std::string_view text) {
  std::int64_t id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec == std::errc() && end == text.data() + text.size()) return {"account", id};
  return {"account", text};
}

// The request's line, after its reply was written: in text, the listener, client, method, path (never
// the query, which may hold an unpause token), status, duration, id, account and proxy.
void log_request(const ListenerContext& ctx, const api::Request& request, const api::Reply& reply,
                 const std::string& remote, std::int64_t micros) {
  // The client as the trusted proxies name it; the proxy's own address after "via=".
  bool proxied = request.remote_address != remote;
  auto path = common::printable(request.path, 200);
  common::log_event(spdlog::level::info, "request",
                    {{"listener", ctx.name},
                     {"remote", request.remote_address},
                     {"method", request.method},
                     {"path", path},
                     {"status", reply.status},
                     {"duration_ms", static_cast<double>(micros) / 1000.0},
                     {"request_id", request.request_id},
                     account_field(reply.log_account),
                     {"via", proxied ? std::string_view(remote) : std::string_view()}},
                    "{} {} {} {} {} {:.1f}ms id={}{}{}{}{}", ctx.name, request.remote_address, request.method,
                    path, reply.status, micros / 1000.0, request.request_id,
                    reply.log_account.empty() ? "" : " account=", reply.log_account, proxied ? " via=" : "",
                    proxied ? remote : std::string());
}

// The method as a label: the few HTTP defines that Cobble answers, every other word one value.
std::string_view method_label(std::string_view method) {
  for (std::string_view known : {"GET", "HEAD", "POST", "OPTIONS", "PUT", "DELETE", "PATCH"})
    if (method == known) return known;
  return "other";
}

void observe_request(const ListenerContext& ctx, const api::Request& request, const api::Reply& reply,
                     std::chrono::steady_clock::duration elapsed) {
  auto endpoint = reply.endpoint.empty() ? std::string_view("unmatched") : reply.endpoint;
  auto status = std::to_string(reply.status);
  ctx.instruments->requests.at({ctx.name, endpoint, method_label(request.method), status})
      .observe(std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed));
}

template <class Stream>
asio::awaitable<void> serve_requests(Stream& stream, std::shared_ptr<ConnectionHandle> handle,
                                     std::shared_ptr<ListenerContext> ctx, const std::string& remote) {
  auto& socket = beast::get_lowest_layer(stream);
  beast::flat_buffer buffer;
  for (;;) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(ctx->limits.max_header_bytes));
    parser.body_limit(ctx->limits.max_body_bytes);

    handle->idle = true;
    if (handle->stop_requested) co_return;
    socket.expires_after(ctx->limits.idle_timeout);
    auto [hec, hn] =
        co_await bhttp::async_read_header(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
    handle->idle = false;
    beast::error_code ec = hec;
    if (!ec && !parser.is_done()) {
      socket.expires_after(ctx->limits.read_timeout);
      auto [bec, bn] =
          co_await bhttp::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
      ec = bec;
    }
    if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::operation_aborted || ec == asio::error::eof ||
        ec == asio::error::connection_reset || ec == asio::ssl::error::stream_truncated) {
      co_return;
    }
    if (ec) {
      auto reply = transport_problem(ec);
      auto id = new_request_id();
      reply.with_header("X-Request-Id", id);
      common::log_event(spdlog::level::info, "request",
                        {{"listener", ctx->name},
                         {"remote", remote},
                         {"status", reply.status},
                         {"request_id", id},
                         {"error", ec.message()}},
                        "{} {} - - {} (rejected: {}) id={}", ctx->name, remote, reply.status, ec.message(),
                        id);
      co_await write_reply(stream, reply, 11, false, false);
      if (ec == bhttp::error::body_limit) co_await drain_input(stream);
      co_return;
    }

    auto started = std::chrono::steady_clock::now();
    const BeastRequest& req = parser.get();
    auto request = to_api_request(req, *ctx, remote);
    // A listener's handlers run here or on the handler pool as it was told (HandlerThreads); the
    // few requests that do no real work always run here, sparing two thread switches.
    api::Reply reply;
    if (ctx->handlers_on_io_thread || api::runs_inline(request)) {
      reply = handle_safely(*ctx, request);
    } else {
      reply = co_await asio::co_spawn(
          ctx->handler_executor,
          [&]() -> asio::awaitable<api::Reply> { co_return handle_safely(*ctx, request); },
          asio::use_awaitable);
    }
    reply.with_header("X-Request-Id", request.request_id);
    if (reply.delay.count() > 0) {
      asio::steady_timer pause(socket.get_executor(), reply.delay);
      co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    bool keep_alive = req.keep_alive() && !handle->stop_requested;
    socket.expires_after(ctx->limits.read_timeout);
    co_await write_reply(stream, reply, req.version(), keep_alive, req.method() == bhttp::verb::head);
    auto elapsed = std::chrono::steady_clock::now() - started;
    auto micros = std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count();
    if (ctx->instruments) observe_request(*ctx, request, reply, elapsed);
    log_request(*ctx, request, reply, remote, micros);
    if (!keep_alive) co_return;
  }
}

}  // namespace

asio::awaitable<void> run_session(asio::ip::tcp::socket socket, std::shared_ptr<ListenerContext> ctx,
                                  std::shared_ptr<ConnectionRegistry> registry, ConnectionLimits::Place place,
                                  std::string remote) {
  auto held = std::move(place);
  auto executor = socket.get_executor();
  auto handle = std::make_shared<ConnectionHandle>();
  std::weak_ptr<ConnectionHandle> weak = handle;
  auto id = registry->add([weak, executor] {
    asio::post(executor, [weak] {
      if (auto h = weak.lock()) {
        h->stop_requested = true;
        if (h->idle && h->socket) h->socket->cancel();
      }
    });
  });
  try {
    if (ctx->tls) {
      beast::ssl_stream<beast::tcp_stream> stream{beast::tcp_stream(std::move(socket)), *ctx->tls};
      handle->socket = &beast::get_lowest_layer(stream);
      beast::get_lowest_layer(stream).expires_after(ctx->limits.handshake_timeout);
      auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server,
                                                  asio::as_tuple(asio::use_awaitable));
      if (!ec) {
        co_await serve_requests(stream, handle, ctx, remote);
        beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(2));
        co_await stream.async_shutdown(asio::as_tuple(asio::use_awaitable));
      }
    } else {
      beast::tcp_stream stream(std::move(socket));
      handle->socket = &stream;
      co_await serve_requests(stream, handle, ctx, remote);
      boost::system::error_code ignored;
      stream.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    }
  } catch (const std::exception& e) {
    spdlog::warn("{}: connection from {} ended by an error: {}", ctx->name, remote, e.what());
  }
  handle->socket = nullptr;
  registry->remove(id);
}

}  // namespace cobble::http
