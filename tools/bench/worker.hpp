#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "acme/jws.hpp"
#include "bench/connection.hpp"
#include "bench/run_state.hpp"

namespace cobble::bench {

// Why a flow ended early; the error is already counted. `transport`: the connection failed.
struct FlowAbort {
  bool transport = false;
};
// The run is stopping: unwind without counting anything.
struct Stopping {};

// One simulated client: its own account key, keep-alive connection and nonce, looping through
// flows until the run stops. Runs on the event loop of `io`; counts into that thread's `tally`.
class Worker {
 public:
  Worker(Tally& tally, int id, Connection connection, boost::asio::io_context& io);
  boost::asio::awaitable<void> run();
  // Ends the worker's in-flight request or sleep at once (from the event loop's thread).
  void abort();
  std::int64_t connects() const { return connection_.connects(); }

 private:
  // A signed POST (payload "" = POST-as-GET) with badNonce retried on the nonce the error carries.
  // Returns a 2xx response; anything else is counted and thrown as FlowAbort.
  boost::asio::awaitable<Response> post(const char* kind, const std::string& url, const std::string& payload,
                                        bool use_jwk = false, const std::string& accept = "");
  boost::asio::awaitable<void> fetch_nonce();
  boost::asio::awaitable<void> register_account();
  boost::asio::awaitable<void> order_flow();
  boost::asio::awaitable<void> nonce_flow();
  boost::asio::awaitable<void> limited_flow();
  // Sleeps before the next poll: Retry-After of `last` when honoured, else `wait`.
  boost::asio::awaitable<void> poll_pause(const Response& last, std::chrono::milliseconds wait);
  boost::asio::awaitable<void> sleep(std::chrono::milliseconds duration);
  // Polls `url` (as `kind`) while its status is one of `waiting`, waiting `first_wait` before the
  // first poll and --poll-ms before the others; returns the final object.
  boost::asio::awaitable<nlohmann::json> poll_until_settled(const char* kind, const std::string& url,
                                                            Response last,
                                                            const std::vector<std::string>& waiting,
                                                            std::chrono::milliseconds first_wait);
  [[noreturn]] void fail(const std::string& error_key);
  nlohmann::json json_of(const Response& response);

  RunState& run_;
  Tally& tally_;
  int id_;
  Connection connection_;
  boost::asio::steady_timer timer_;
  acme::PrivateKey key_;
  std::string thumbprint_;
  std::string kid_;
  std::string nonce_;
  std::int64_t flow_number_ = 0;
};

// Seconds to wait from a Retry-After value (delta-seconds or an HTTP-date, RFC 9110 §10.2.3),
// relative to `now_unix`. nullopt when unparsable.
std::optional<double> retry_after_seconds(std::string_view value, std::int64_t now_unix);

}  // namespace cobble::bench
