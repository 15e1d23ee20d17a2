#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "api/message.hpp"
#include "common/result.hpp"

namespace cobble::http {

struct Limits {
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 64 * 1024;
  std::chrono::seconds read_timeout{30};  // per request, from its first byte
  std::chrono::seconds idle_timeout{60};  // keep-alive wait between requests
  std::chrono::seconds handshake_timeout{10};
};

// Turns a request into a reply, on the thread `HandlerThreads` says. Must not throw for bad input
// (an escaped exception is logged and answered with a serverInternal problem).
using Handler = std::function<api::Reply(const api::Request&)>;

// Where a listener's handlers run.
enum class HandlerThreads {
  // On the handler executor: for handlers that may take long (bulk database work), so the
  // connections sharing an I/O thread never wait for them. api::runs_inline requests excepted.
  pool,
  // On the connection's I/O thread: for handlers that are short (well under a millisecond of CPU
  // and short SQLite transactions). No hand-off to another thread and back, which on a busy
  // machine cost more in wake-up latency than the work itself (bench/README.md).
  io,
};

// Builds a TLS server context from PEM files (certificate chain, private key). TLS 1.2+ only.
// Fails with errc::invalid_argument naming the file that did not load.
common::Result<std::shared_ptr<boost::asio::ssl::context>> make_tls_context(
    const std::string& cert_chain_file, const std::string& key_file);

// HTTP/1.1 listeners (TLS or plain) with one coroutine per connection. Thread-safe.
class Server {
 public:
  // `io` runs the acceptors. Accepted connections are dealt round-robin to `connection_contexts`,
  // each of which must be run by exactly one thread: a connection then lives on one thread and
  // needs no strand, and no I/O thread wakes another (measured: ~17 % less CPU per request than
  // one io_context run by two threads). `io` may be one of them. `handler_executor` runs handlers.
  // All must outlive the Server.
  Server(boost::asio::io_context& io, std::vector<boost::asio::io_context*> connection_contexts,
         boost::asio::any_io_executor handler_executor, Limits limits);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds `address:port` (port 0 picks a free one) and starts accepting. `tls` null means plain
  // HTTP. `name` labels log lines ("acme", "management"). Returns the bound port, or
  // errc::address_in_use / errc::invalid_argument with a message naming the address.
  common::Result<std::uint16_t> listen(const std::string& address, std::uint16_t port,
                                       std::shared_ptr<boost::asio::ssl::context> tls, Handler handler,
                                       std::string name, HandlerThreads where = HandlerThreads::pool);

  // Stops accepting, closes idle keep-alive connections, lets requests in flight finish.
  // Returns at once; `active_connections()` reaching 0 says the drain is complete.
  void stop();
  std::size_t active_connections() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace cobble::http
