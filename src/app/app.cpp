#include "app/app.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "api/acme_api.hpp"
#include "api/management.hpp"
#include "app/components.hpp"
#include "ca/authority.hpp"
#include "common/clock.hpp"
#include "http/server.hpp"

namespace cobble::app {
namespace asio = boost::asio;
namespace fs = std::filesystem;

namespace {

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

struct TlsFiles {
  std::string chain;
  std::string key;
  std::string ca;  // empty when the user brought their own certificate
};

common::Result<TlsFiles> https_files(const Config& config, const common::Clock& clock) {
  if (!config.certificate.empty() || !config.private_key.empty()) {
    if (config.certificate.empty() || config.private_key.empty()) {
      return common::fail(std::errc::invalid_argument, "set both 'certificate' and 'privateKey', or neither");
    }
    return TlsFiles{config.certificate, config.private_key, ""};
  }
  auto identity = ca::ensure_https_identity(config.data_dir, config.https_names, clock.now());
  if (!identity) return std::unexpected(identity.error());
  return TlsFiles{identity->cert_chain.string(), identity->private_key.string(), identity->ca_cert.string()};
}

// One io_context per I/O thread (http::Server says why). The first also runs everything that is
// not a connection: acceptors, signals, validations, webhooks.
class IoThreads {
 public:
  explicit IoThreads(int count) {
    for (int i = 0; i < count; ++i) {
      contexts_.push_back(std::make_unique<asio::io_context>(1));
      // Until stop(), a context without connections must keep its thread waiting, not return.
      guards_.push_back(asio::make_work_guard(*contexts_.back()));
    }
  }
  asio::io_context& main() { return *contexts_.front(); }
  std::vector<asio::io_context*> all() {
    std::vector<asio::io_context*> raw;
    for (auto& c : contexts_) raw.push_back(c.get());
    return raw;
  }
  // Runs the first context on the calling thread and the others on their own; returns once all stopped.
  void run() {
    std::vector<std::thread> threads;
    for (std::size_t i = 1; i < contexts_.size(); ++i)
      threads.emplace_back([c = contexts_[i].get()] { c->run(); });
    contexts_.front()->run();
    for (auto& t : threads) t.join();
  }
  void stop() {
    for (auto& c : contexts_) c->stop();
  }

 private:
  std::vector<std::unique_ptr<asio::io_context>> contexts_;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards_;
};

// Waits (real time, bounded) for connections to finish after stop(), then stops the I/O threads.
void drain_then_stop(IoThreads& io, http::Server& server, std::chrono::steady_clock::time_point deadline) {
  auto timer = std::make_shared<asio::steady_timer>(io.main(), std::chrono::milliseconds(20));
  timer->async_wait([&io, &server, deadline, timer](const boost::system::error_code&) {
    if (server.active_connections() == 0 || std::chrono::steady_clock::now() >= deadline) {
      if (server.active_connections() > 0) {
        spdlog::warn("shutdown: {} connection(s) still open after the grace period",
                     server.active_connections());
      }
      io.stop();
      return;
    }
    drain_then_stop(io, server, deadline);
  });
}

void set_log_level(const std::string& name) {
  auto level = spdlog::level::from_str(name);
  if (level != spdlog::level::off || name == "off") spdlog::set_level(level);
}

http::Limits limits_from(const Config& config) {
  http::Limits limits;
  limits.max_body_bytes = static_cast<std::size_t>(config.max_body_bytes);
  limits.max_header_bytes = static_cast<std::size_t>(config.max_header_bytes);
  limits.read_timeout = std::chrono::seconds(config.read_timeout_seconds);
  limits.idle_timeout = std::chrono::seconds(config.idle_timeout_seconds);
  return limits;
}

// Pebble's start-up lines, which CI scripts wait for (`grep -q "ACME directory available at"`).
void log_like_pebble(const std::string& listener, const std::string& host, std::uint16_t port) {
  auto address = (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
  if (listener == "acme") {
    spdlog::info("Listening on: {}", address);
    spdlog::info("ACME directory available at: https://{}/dir", address);
  } else if (listener == "management") {
    spdlog::info("Management interface listening on: {}", address);
    spdlog::info("Root CA certificate available at: https://{}/roots/0", address);
  }
}

// Binds the ACME (HTTPS, optional plain) and management listeners and logs where they are.
// Returns false, having logged why, when one cannot be bound.
bool start_listeners(const Config& config, http::Server& server, std::shared_ptr<asio::ssl::context> tls,
                     Components& components) {
  struct Listener {
    std::string address;
    std::shared_ptr<asio::ssl::context> tls;
    http::Handler handler;
    std::string name;
    std::string path;
    // ACME requests are short; the management API's reset and bulk unpause may not be.
    http::HandlerThreads where;
  };
  auto& services = *components.services;
  auto& management = *components.management;
  auto acme = [&services](const api::Request& r) { return api::handle_acme(r, services); };
  using http::HandlerThreads;
  std::vector<Listener> listeners{{config.listen_address, tls, acme, "acme", "/dir", HandlerThreads::io}};
  if (!config.plain_listen_address.empty()) {
    listeners.push_back(
        {config.plain_listen_address, nullptr, acme, "acme-plain", "/dir", HandlerThreads::io});
  }
  if (!config.management_listen_address.empty()) {
    listeners.push_back(
        {config.management_listen_address, tls,
         [&management](const api::Request& r) { return api::handle_management(r, management); }, "management",
         "/healthz", HandlerThreads::pool});
  }
  for (auto& l : listeners) {
    auto hp = split_host_port(l.address);
    if (!hp) {
      spdlog::critical("{}: {}", l.name, hp.error().message);
      return false;
    }
    auto port = server.listen(hp->first, hp->second, l.tls, std::move(l.handler), l.name, l.where);
    if (!port) {
      spdlog::critical("{}", port.error().message);
      return false;
    }
    auto host = hp->first == "127.0.0.1" || hp->first == "0.0.0.0" ? std::string("localhost") : hp->first;
    spdlog::info("{} listening on {}://{}:{}{}", l.name, l.tls ? "https" : "http", host, *port, l.path);
    if (config.pebble_compat) log_like_pebble(l.name, hp->first, *port);
  }
  return true;
}

}  // namespace

int run(const Config& config) {
  set_log_level(config.log_level);
  std::error_code fs_ec;
  // Pebble writes nothing to disk: with its own certificate a `pebble` leaves no data/ behind.
  bool needs_data_dir = !config.pebble_compat || config.certificate.empty() || config.ca_persist ||
                        config.database != ":memory:";
  if (needs_data_dir) fs::create_directories(config.data_dir, fs_ec);
  if (fs_ec) {
    spdlog::critical("cannot create data directory {}: {}", config.data_dir, fs_ec.message());
    return 1;
  }

  common::SystemClock real_clock;  // the HTTPS certificate follows real time, not the fake clock
  auto tls_files = https_files(config, real_clock);
  if (!tls_files) {
    spdlog::critical("HTTPS certificate: {}", tls_files.error().message);
    return 1;
  }
  auto tls = http::make_tls_context(tls_files->chain, tls_files->key);
  if (!tls) {
    spdlog::critical("{}", tls.error().message);
    return 1;
  }

  int threads = config.threads > 0 ? config.threads
                                   : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  IoThreads io_threads(threads);
  asio::io_context& io = io_threads.main();
  asio::thread_pool handler_pool(static_cast<std::size_t>(threads));

  // Validation outcomes are written by their own thread, so a burst of failing validations (zombie
  // clients) never queues API requests behind its SQLite commits on the handler pool.
  asio::thread_pool recorder(1);
  auto components = build_components(config, io, recorder.get_executor(),
                                     tls_files->ca.empty() ? "" : read_file(tls_files->ca));
  if (!components) {
    spdlog::critical("{}", components.error().message);
    return 1;
  }
  if (config.fake_clock) spdlog::warn("fake clock: ACME time moves only when told to");
  if (config.always_valid) spdlog::warn("always-valid mode: every challenge passes without being checked");

  http::Server server(io, io_threads.all(), handler_pool.get_executor(), limits_from(config));
  if (!start_listeners(config, server, *tls, **components)) return 1;
  if (!tls_files->ca.empty()) {
    spdlog::info(
        "HTTPS CA (trust it in clients: curl --cacert, REQUESTS_CA_BUNDLE, LEGO_CA_CERTIFICATES): {}",
        fs::absolute(tls_files->ca).string());
  }

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    spdlog::info("signal {}: stopping (finishing requests in flight, up to 10 s)", signal);
    server.stop();
    drain_then_stop(io_threads, server, std::chrono::steady_clock::now() + std::chrono::seconds(10));
  });

  io_threads.run();
  handler_pool.join();
  recorder.join();
  spdlog::info("stopped");
  return 0;
}

}  // namespace cobble::app
