#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "challsrv/net.hpp"
#include "common/result.hpp"

namespace cobble::challsrv {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;
// Who sent a request: the connection's remote address (no port), e.g. "127.0.0.3".
struct Peer {
  std::string address;
};
// A pure function request → response, called on the connection's I/O thread. It need not set the
// version, keep-alive or Content-Length; the listener does. An exception becomes a 500.
using HttpHandler = std::function<HttpResponse(const HttpRequest&, const Peer&)>;

// Plain-HTTP/1.1 server: one coroutine per connection on its own strand, keep-alive, a 64 KiB
// body limit and a 30 s timeout on every read and write.
class HttpListener {
 public:
  HttpListener(boost::asio::io_context& io, std::string name, HttpHandler handler);
  ~HttpListener();
  HttpListener(const HttpListener&) = delete;
  HttpListener& operator=(const HttpListener&) = delete;

  // Binds and starts accepting; returns the bound port (useful with port 0). Fails with
  // address_in_use or invalid_argument. May be called several times for several addresses.
  common::Result<std::uint16_t> listen(const BindAddress& bind);
  // Closes the acceptors (thread-safe); open connections end at their next timeout.
  void stop();

  struct Shared;  // the accept loop's and sessions' view; outlives the listener while they run

 private:
  std::shared_ptr<Shared> shared_;
};

}  // namespace cobble::challsrv
