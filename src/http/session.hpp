#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "http/connection_limits.hpp"
#include "http/forwarded.hpp"
#include "http/server.hpp"

namespace cobble::http {

// What every connection of one listener shares. Owned by the Server; sessions hold a shared_ptr.
struct ListenerContext {
  ListenerContext(std::size_t max_connections, std::size_t max_per_address)
      : connections(max_connections, max_per_address) {}
  std::string name;
  std::string scheme;              // "https" or "http"
  std::string external_url;        // base of every link when set (ListenerSpec::external_url)
  TrustedProxies trusted_proxies;  // whose forwarding headers are believed (ListenerSpec)
  Handler handler;
  Limits limits;
  boost::asio::any_io_executor handler_executor;
  bool handlers_on_io_thread = false;  // HandlerThreads::io
  std::shared_ptr<boost::asio::ssl::context> tls;
  std::shared_ptr<metrics::Instruments> instruments;  // ListenerSpec::instruments
  ConnectionLimits connections;
  std::atomic<std::uint64_t> accepted{0};
  std::atomic<std::uint64_t> accept_errors{0};
};

// Open connections, so stop() can close the idle ones. Thread-safe.
class ConnectionRegistry {
 public:
  std::uint64_t add(std::function<void()> close);
  void remove(std::uint64_t id);
  void close_all();
  std::size_t size() const;
  bool stopping() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::uint64_t, std::function<void()>> open_;
  std::uint64_t next_id_ = 1;
  bool stopping_ = false;
};

// Serves one accepted connection until the peer closes, a timeout, an error, or shutdown. `place`
// is the connection's admission (ConnectionLimits), held until it ends.
boost::asio::awaitable<void> run_session(boost::asio::ip::tcp::socket socket,
                                         std::shared_ptr<ListenerContext> ctx,
                                         std::shared_ptr<ConnectionRegistry> registry,
                                         ConnectionLimits::Place place, std::string remote);

}  // namespace cobble::http
