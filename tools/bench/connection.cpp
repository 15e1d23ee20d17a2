#include "bench/connection.hpp"

#include <openssl/ssl.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <charconv>

namespace cobble::bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::optional<Url> parse_url(std::string_view text) {
  constexpr std::string_view scheme = "https://";
  if (!text.starts_with(scheme)) return std::nullopt;
  text.remove_prefix(scheme.size());
  auto slash = text.find('/');
  std::string_view authority = text.substr(0, slash);
  Url url;
  url.target = slash == std::string_view::npos ? "/" : std::string(text.substr(slash));
  std::string_view port_text;
  if (authority.starts_with('[')) {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    url.host = std::string(authority.substr(1, close - 1));
    auto rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':') return std::nullopt;
      port_text = rest.substr(1);
    }
  } else {
    auto colon = authority.rfind(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (url.host.empty()) return std::nullopt;
  if (!port_text.empty()) {
    unsigned port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 || port > 65535)
      return std::nullopt;
    url.port = static_cast<std::uint16_t>(port);
  }
  return url;
}

Connection::Connection(asio::io_context& io, asio::ssl::context& tls, tcp::endpoint endpoint,
                       std::string host, std::chrono::milliseconds timeout)
    : io_(io), tls_(tls), endpoint_(endpoint), host_(std::move(host)), timeout_(timeout) {}

namespace {

TransportError transport_error(const std::string& step, const beast::error_code& ec) {
  if (ec == beast::error::timeout) return {"timeout", step + " timed out"};
  if (ec == asio::error::operation_aborted) return {"aborted", step + " aborted"};
  if (ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
      ec == asio::ssl::error::stream_truncated)
    return {"closed", step + ": connection closed by the server (" + ec.message() + ")"};
  return {step, step + ": " + ec.message()};
}

}  // namespace

asio::awaitable<std::optional<TransportError>> Connection::connect() {
  stream_.reset();
  buffer_.clear();
  stream_.emplace(io_, tls_);
  ++connects_;
  auto& tcp_stream = beast::get_lowest_layer(*stream_);
  tcp_stream.expires_after(timeout_);
  auto [ec] = co_await tcp_stream.async_connect(endpoint_, asio::as_tuple(asio::use_awaitable));
  if (ec) co_return transport_error("connect", ec);
  tcp_stream.socket().set_option(tcp::no_delay(true), ec);
  boost::system::error_code parse_ec;
  asio::ip::make_address(host_, parse_ec);
  // SNI only for names: RFC 6066 forbids IP literals in server_name.
  if (parse_ec && !SSL_set_tlsext_host_name(stream_->native_handle(), host_.c_str()))
    co_return TransportError{"tls", "cannot set SNI"};
  stream_->set_verify_callback(asio::ssl::host_name_verification(host_));
  tcp_stream.expires_after(timeout_);
  auto [hec] =
      co_await stream_->async_handshake(asio::ssl::stream_base::client, asio::as_tuple(asio::use_awaitable));
  if (hec) co_return transport_error("tls", hec);
  connected_ = true;
  co_return std::nullopt;
}

asio::awaitable<std::expected<Response, TransportError>> Connection::request(http::verb method,
                                                                             const std::string& target,
                                                                             const std::string& body,
                                                                             const std::string& content_type,
                                                                             const std::string& accept) {
  aborted_ = false;
  for (int attempt = 0; attempt < 2; ++attempt) {
    bool reused = connected_;
    if (!connected_) {
      if (auto failed = co_await connect()) {
        connected_ = false;
        if (aborted_) failed->kind = "aborted";
        co_return std::unexpected(*failed);
      }
    }
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, host_);
    req.set(http::field::user_agent, "cobble-bench");
    if (!content_type.empty()) req.set(http::field::content_type, content_type);
    if (!accept.empty()) req.set(http::field::accept, accept);
    req.keep_alive(true);
    req.body() = body;
    req.prepare_payload();
    auto& tcp_stream = beast::get_lowest_layer(*stream_);
    tcp_stream.expires_after(timeout_);
    auto [wec, written] = co_await http::async_write(*stream_, req, asio::as_tuple(asio::use_awaitable));
    Response response;
    beast::error_code rec;
    if (!wec) {
      http::response_parser<http::string_body> parser;
      parser.body_limit(16 * 1024 * 1024);
      // A HEAD response announces a body it does not send (Pebble: Content-Length of the GET).
      if (method == http::verb::head) parser.skip(true);
      tcp_stream.expires_after(timeout_);
      auto [ec, read] =
          co_await http::async_read(*stream_, buffer_, parser, asio::as_tuple(asio::use_awaitable));
      rec = ec;
      if (!ec) response = parser.release();
    }
    beast::error_code ec = wec ? wec : rec;
    if (!ec) {
      if (!response.keep_alive()) connected_ = false;
      co_return response;
    }
    connected_ = false;
    auto error = transport_error(wec ? "write" : "read", ec);
    if (aborted_) error.kind = "aborted";
    // A keep-alive connection the server closed while idle: the request never reached it.
    if (reused && error.kind == "closed" && attempt == 0) continue;
    co_return std::unexpected(error);
  }
  co_return std::unexpected(TransportError{"closed", "connection closed twice"});
}

void Connection::abort() {
  aborted_ = true;
  connected_ = false;
  if (stream_) {
    beast::error_code ignored;
    beast::get_lowest_layer(*stream_).socket().close(ignored);
  }
}

}  // namespace cobble::bench
