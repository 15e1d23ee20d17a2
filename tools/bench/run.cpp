#include "bench/run.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/verb.hpp>
#include <cmath>
#include <memory>
#include <thread>
#include <vector>

#include "bench/cpu.hpp"
#include "bench/worker.hpp"
#include "challsrv/http_listener.hpp"
#include "common/random.hpp"

namespace cobble::bench {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

double round3(double v) { return std::round(v * 1000.0) / 1000.0; }

struct CpuMark {
  double client = 0;
  std::optional<double> server;
};

CpuMark cpu_mark(const Options& options) {
  return {own_cpu_seconds(), options.server_pid > 0 ? process_cpu_seconds(options.server_pid) : std::nullopt};
}

challsrv::HttpResponse answer_http01(Http01Tokens& tokens, const challsrv::HttpRequest& request) {
  constexpr std::string_view prefix = "/.well-known/acme-challenge/";
  challsrv::HttpResponse response;
  response.result(http::status::not_found);
  std::string_view target = request.target();
  if (target.starts_with(prefix)) {
    std::lock_guard lock(tokens.mutex);
    if (auto it = tokens.answers.find(target.substr(prefix.size())); it != tokens.answers.end()) {
      response.result(http::status::ok);
      response.set(http::field::content_type, "text/plain");
      response.body() = it->second;
    }
  }
  return response;
}

// One event-loop thread: its io_context, the workers dealt to it and their figures. The io_context
// comes first so that it outlives the workers' sockets and timers.
struct Lane {
  explicit Lane(RunState& run) : tally{run} {}
  asio::io_context io;
  Tally tally;
  std::vector<std::unique_ptr<Worker>> workers;
  int active = 0;  // its workers (and on lane 0 the watchdog) still running; only its thread touches it
};

class Bench {
 public:
  explicit Bench(const Options& options) : options_(options), run_{options} {
    for (int t = 0; t < options.threads; ++t) lanes_.push_back(std::make_unique<Lane>(run_));
  }

  nlohmann::json execute() {
    auto dir_url = parse_url(options_.directory_url);
    if (!dir_url) throw SetupError("not an https:// URL: " + options_.directory_url);
    configure_tls();
    auto& io = lanes_.front()->io;  // setup, the watchdog and the http-01 responder run on lane 0
    tcp::resolver resolver(io);
    boost::system::error_code ec;
    auto endpoints = resolver.resolve(dir_url->host, std::to_string(dir_url->port), ec);
    if (ec || endpoints.empty()) throw SetupError("cannot resolve " + dir_url->host + ": " + ec.message());
    endpoint_ = endpoints.begin()->endpoint();
    host_ = dir_url->host;
    timeout_ = std::chrono::milliseconds(static_cast<std::int64_t>(options_.timeout_seconds * 1000));
    fetch_directory(dir_url->target);
    if (options_.mode == Mode::http01) start_http01();

    if (!options_.record_file.empty()) run_.acks = std::make_unique<AckLog>(options_.record_file);
    if (options_.pebble_safe) run_.gate = std::make_unique<ClassGate>();
    for (unsigned char byte : common::random_bytes(3)) run_.run_tag += fmt::format("{:02x}", byte);
    run_.request_stop = [this](const std::string& reason) { stop(reason); };
    run_.started = BenchClock::now();
    run_.window_start = run_.started + to_duration(options_.warmup_seconds);
    run_.set_last_completion(run_.started);
    begin_ = cpu_mark(options_);
    for (int i = 0; i < options_.workers; ++i) {
      Lane& lane = *lanes_[static_cast<std::size_t>(i) % lanes_.size()];
      lane.workers.push_back(std::make_unique<Worker>(
          lane.tally, i, Connection(lane.io, tls_, endpoint_, host_, timeout_), lane.io));
      ++lane.active;
      asio::co_spawn(lane.io, run_worker(lane, *lane.workers.back()), asio::detached);
    }
    ++lanes_.front()->active;
    asio::co_spawn(io, watchdog(), asio::detached);
    {
      std::vector<std::jthread> threads;
      for (std::size_t t = 1; t < lanes_.size(); ++t)
        threads.emplace_back([&lane = *lanes_[t]] { lane.io.run(); });
      io.run();
    }  // joined: every Tally is final
    return figures();
  }

 private:
  static BenchClock::duration to_duration(double seconds) {
    return std::chrono::duration_cast<BenchClock::duration>(std::chrono::duration<double>(seconds));
  }

  void configure_tls() {
    try {
      if (options_.insecure) {
        tls_.set_verify_mode(asio::ssl::verify_none);
      } else {
        tls_.set_verify_mode(asio::ssl::verify_peer);
        tls_.load_verify_file(options_.ca_file);
      }
    } catch (const boost::system::system_error& e) {
      throw SetupError("cannot use --ca-file " + options_.ca_file + ": " + e.what());
    }
  }

  void fetch_directory(const std::string& target) {
    auto& io = lanes_.front()->io;
    Connection connection(io, tls_, endpoint_, host_, timeout_);
    std::expected<Response, TransportError> result = std::unexpected(TransportError{"none", "not run"});
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          result = co_await connection.request(http::verb::get, target, "", "");
        },
        asio::detached);
    io.run();
    io.restart();
    if (!result) throw SetupError("directory " + options_.directory_url + ": " + result.error().message);
    if (result->result_int() != 200)
      throw SetupError("directory " + options_.directory_url + " answered HTTP " +
                       std::to_string(result->result_int()));
    auto json = nlohmann::json::parse(result->body(), nullptr, false);
    auto url = [&](const char* key) {
      if (!json.is_object() || !json.contains(key) || !json[key].is_string())
        throw SetupError(std::string("directory has no ") + key + " URL");
      return json[key].get<std::string>();
    };
    run_.directory = {url("newNonce"), url("newAccount"), url("newOrder")};
  }

  void start_http01() {
    http01_ = std::make_unique<challsrv::HttpListener>(
        lanes_.front()->io, "http-01",
        [tokens = run_.http01](const challsrv::HttpRequest& r, const challsrv::Peer&) {
          return answer_http01(*tokens, r);
        });
    auto bound = http01_->listen({"127.0.0.1", options_.http01_port});
    if (!bound)
      throw SetupError("cannot listen for http-01 on 127.0.0.1:" + std::to_string(options_.http01_port) +
                       ": " + bound.error().message);
  }

  asio::awaitable<void> run_worker(Lane& lane, Worker& worker) {
    co_await worker.run();
    if (--lane.active == 0) finish(lane);
  }

  asio::awaitable<void> watchdog() {
    asio::steady_timer timer(lanes_.front()->io);
    bool window_marked = options_.warmup_seconds == 0;
    auto stall = to_duration(options_.stall_seconds);
    auto deadline = run_.started + to_duration(options_.duration_seconds);
    while (!run_.stopping) {
      timer.expires_after(std::chrono::milliseconds(20));
      co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
      auto now = BenchClock::now();
      if (!window_marked && now >= run_.window_start) {
        window_marked = true;
        begin_ = cpu_mark(options_);
      }
      if (options_.duration_seconds > 0 && now >= deadline) {
        stop("duration");
      } else if (now - run_.last_completion() >= stall) {
        stalled_ = true;
        stop("stalled");
      }
    }
    if (--lanes_.front()->active == 0) finish(*lanes_.front());
  }

  // From any thread; the first call wins.
  void stop(const std::string& reason) {
    if (run_.stopping.exchange(true)) return;
    stop_reason_ = reason;
    stopped_at_ = BenchClock::now();
    end_ = cpu_mark(options_);
    if (run_.gate) run_.gate->close();
    // A worker's connection and timer belong to its lane's thread: abort them there.
    for (auto& lane : lanes_)
      asio::post(lane->io, [&lane = *lane] {
        for (auto& worker : lane.workers) worker->abort();
      });
  }

  // On `lane`'s thread, once its last worker (and on lane 0 the watchdog) has ended.
  void finish(Lane& lane) {
    if (&lane == lanes_.front().get() && http01_) http01_->stop();
    // Connections the server's validator left open on the responder must not hold the run.
    lane.io.stop();
  }

  nlohmann::json figures() {
    Figures f;
    std::int64_t connects = 0;
    for (const auto& lane : lanes_) {
      f.merge(lane->tally.figures);
      for (const auto& worker : lane->workers) connects += worker->connects();
    }
    double window = std::max(0.0, std::chrono::duration<double>(stopped_at_ - run_.window_start).count());
    nlohmann::json requests = nlohmann::json::object();
    for (const char* kind : kRequestKinds) {
      auto it = f.requests.find(kind);
      requests[kind] = it == f.requests.end() ? Samples().summary() : it->second.summary();
    }
    std::int64_t error_total = 0;
    for (const auto& [key, count] : f.errors) error_total += count;
    double client_cpu = end_.client - begin_.client;
    nlohmann::json out = {
        {"tool", "cobble-bench"},
        {"directory", options_.directory_url},
        {"mode", to_string(options_.mode)},
        {"alg", to_string(options_.alg)},
        {"workers", options_.workers},
        {"threads", options_.threads},
        {"pebble_safe", options_.pebble_safe},
        {"first_order_poll_ms", options_.first_order_poll_ms},
        {"gate_wait_ms", f.gate_wait.summary()},
        {"warmup_s", options_.warmup_seconds},
        {"window_s", round3(window)},
        {"stop_reason", stop_reason_},
        {"stalled", stalled_},
        {"flows", f.flows_in_window},
        {"flows_total", f.flows_total},
        {"flows_per_s", window > 0 ? round3(static_cast<double>(f.flows_in_window) / window) : 0.0},
        {"flow_ms", f.flows.summary()},
        {"requests_ms", requests},
        {"failed_validations", f.failed_validations},
        {"rate_limited", f.rate_limited},
        {"errors", f.errors},
        {"error_count", error_total},
        {"bad_nonce_retries", f.bad_nonce_retries},
        {"connections", connects},
        {"client_cpu_s", round3(client_cpu)},
        {"client_cpu_ms_per_flow",
         f.flows_in_window > 0 ? round3(client_cpu * 1000 / f.flows_in_window) : 0.0},
        {"server_cpu_s", nullptr},
        {"server_cpu_ms_per_flow", nullptr},
    };
    // A run shorter than --stall-seconds cannot be declared stalled; this shows a stall in progress.
    out["idle_at_end_s"] =
        round3(std::max(0.0, std::chrono::duration<double>(stopped_at_ - run_.last_completion()).count()));
    if (stalled_)
      out["stalled_after_s"] =
          round3(std::chrono::duration<double>(run_.last_completion() - run_.started).count());
    if (begin_.server && end_.server) {
      double server = *end_.server - *begin_.server;
      out["server_cpu_s"] = round3(server);
      if (f.flows_in_window > 0) out["server_cpu_ms_per_flow"] = round3(server * 1000 / f.flows_in_window);
    }
    return out;
  }

  const Options& options_;
  asio::ssl::context tls_{asio::ssl::context::tls_client};
  RunState run_;
  // After run_ (the tallies name it), before the listener (which uses lane 0's io_context).
  std::vector<std::unique_ptr<Lane>> lanes_;
  tcp::endpoint endpoint_;
  std::string host_;
  std::chrono::milliseconds timeout_{};
  std::unique_ptr<challsrv::HttpListener> http01_;
  bool stalled_ = false;
  std::string stop_reason_;
  BenchClock::time_point stopped_at_{};
  CpuMark begin_, end_;
};

}  // namespace

nlohmann::json run_bench(const Options& options) { return Bench(options).execute(); }

}  // namespace cobble::bench
