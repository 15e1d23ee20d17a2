#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <chrono>
#include <expected>
#include <optional>
#include <string>

namespace cobble::bench {

using Response = boost::beast::http::response<boost::beast::http::string_body>;

// An https:// URL split for the client: host as written (SNI and Host header), port, and the
// request target (path and query; "/" when the URL has none).
struct Url {
  std::string host;
  std::uint16_t port = 443;
  std::string target;
};
// nullopt when `text` is not https://host[:port][/target] (IPv6 literals in brackets accepted).
std::optional<Url> parse_url(std::string_view text);

// A transport failure: what happened ("timeout", "connect", "tls", "eof", "aborted", ...) and
// OpenSSL's/Asio's message.
struct TransportError {
  std::string kind;
  std::string message;
};

// One keep-alive HTTPS connection to one server, used by one coroutine at a time. Connects (and
// re-connects after a failure) on demand. Every connect, handshake, write and read is bounded by
// the request timeout.
class Connection {
 public:
  Connection(boost::asio::io_context& io, boost::asio::ssl::context& tls,
             boost::asio::ip::tcp::endpoint endpoint, std::string host, std::chrono::milliseconds timeout);

  // Sends one request. `body` empty with POST still sends Content-Length: 0. Retries once on a
  // fresh connection when a reused one turns out to be closed by the server before any response.
  boost::asio::awaitable<std::expected<Response, TransportError>> request(boost::beast::http::verb method,
                                                                          const std::string& target,
                                                                          const std::string& body,
                                                                          const std::string& content_type,
                                                                          const std::string& accept = "");
  // Ends whatever is in flight (it completes with kind "aborted") and drops the connection. Call
  // from the io_context's thread.
  void abort();
  std::int64_t connects() const { return connects_; }

 private:
  boost::asio::awaitable<std::optional<TransportError>> connect();
  boost::asio::io_context& io_;
  boost::asio::ssl::context& tls_;
  boost::asio::ip::tcp::endpoint endpoint_;
  std::string host_;
  std::chrono::milliseconds timeout_;
  std::optional<boost::beast::ssl_stream<boost::beast::tcp_stream>> stream_;
  boost::beast::flat_buffer buffer_;
  bool connected_ = false;
  bool aborted_ = false;
  std::int64_t connects_ = 0;
};

}  // namespace cobble::bench
