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
#include "http/forwarded.hpp"
#include "metrics/instruments.hpp"

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

// One listener: where it binds, what it serves, and its connection limits.
struct ListenerSpec {
  std::string address;                             // an IP address ("localhost" = 127.0.0.1)
  std::uint16_t port = 0;                          // 0 picks a free one
  std::shared_ptr<boost::asio::ssl::context> tls;  // null: plain HTTP
  Handler handler;
  std::string name;  // labels log lines and statistics ("acme", "management")
  HandlerThreads where = HandlerThreads::pool;
  // Links in replies are built on this base ("https://acme.example.com") instead of the
  // listener's scheme and the request's Host header; "" = from Host.
  std::string external_url;
  // Connections from these addresses may say, in Forwarded or X-Forwarded-* headers, whom they
  // forward and under which scheme and host (http/forwarded.hpp); empty = nobody. Used for the
  // links (when external_url is "") and the client address handlers and the log see. The
  // connection caps always count the socket's peer.
  TrustedProxies trusted_proxies;
  // Connections open at once on this listener, and from one client address; a connection beyond
  // either is closed as soon as it is accepted (and counted, and logged at most every 10 s).
  std::size_t max_connections = 10'000;
  std::size_t max_connections_per_address = 1'000;
  // Where each request's listener, endpoint, method, status and duration are counted; null: nowhere.
  std::shared_ptr<metrics::Instruments> instruments;
};

// What a listener has seen, for /metrics.
struct ListenerStats {
  std::string name;
  std::uint64_t open = 0;                   // connections open now
  std::uint64_t accepted = 0;               // connections accepted and served, since start
  std::uint64_t refused_listener_full = 0;  // closed at once: max_connections reached
  std::uint64_t refused_address_full = 0;   // closed at once: max_connections_per_address reached
  std::uint64_t accept_errors = 0;          // accept() failures (e.g. EMFILE), each followed by a pause
};

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

  // Binds the listener and starts accepting. Returns the bound port, or errc::address_in_use /
  // errc::invalid_argument with a message naming the address. When accept() fails (out of file
  // descriptors, EMFILE), the listener waits before trying again, 10 ms doubling up to 1 s.
  common::Result<std::uint16_t> listen(ListenerSpec spec);

  // Every listener's figures, in the order they were started.
  std::vector<ListenerStats> stats() const;

  // Stops accepting, closes idle keep-alive connections, lets requests in flight finish.
  // Returns at once; `active_connections()` reaching 0 says the drain is complete.
  void stop();
  std::size_t active_connections() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace cobble::http
