#include "app/app.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "api/acme/acme_api.hpp"
#include "api/management/management.hpp"
#include "app/components.hpp"
#include "app/fd_limits.hpp"
#include "app/shared_files.hpp"
#include "app/threads.hpp"
#include "ca/certificate_authority.hpp"
#include "common/clock.hpp"
#include "common/log.hpp"
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

// Several instances on one PostgreSQL: before anything loads a key, every instance's key files
// become the deployment's (app/shared_files.hpp). On a store of its own, closed again at once.
common::Result<void> share_key_files_first(const Config& config) {
  auto location = database_location(config);
  if (!storage::is_postgresql_location(location)) return {};
  auto store = storage::Store::open(location);
  if (!store) {
    return common::fail(store.error().code,
                        "database " + storage::printable_location(location) + ": " + store.error().message);
  }
  return share_key_files(config, **store);
}

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

// The base every ACME link is built on when externalUrl is set ("" = from the request's Host).
std::string external_base(const Config& config) {
  auto base = config.external_url;
  while (base.ends_with('/')) base.pop_back();
  return base;
}

// Binds the ACME (HTTPS, optional plain) and management listeners and logs where they are.
// Returns false, having logged why, when one cannot be bound.
bool start_listeners(const Config& config, http::Server& server, std::shared_ptr<asio::ssl::context> tls,
                     Components& components, const ConnectionCaps& caps) {
  struct Listener {
    std::string address;
    std::shared_ptr<asio::ssl::context> tls;
    http::Handler handler;
    std::string name;
    std::string path;
    // ACME requests are short; the management API's reset and bulk unpause may not be.
    http::HandlerThreads where;
    std::string external_url;
    std::size_t max_connections;
    http::TrustedProxies trusted_proxies = {};  // the ACME listeners' only
  };
  auto& services = *components.core.services;
  auto& management = *components.core.management;
  auto acme = [&services](const api::Request& r) { return api::handle_acme(r, services); };
  using http::HandlerThreads;
  auto external = external_base(config);
  auto trusted = http::TrustedProxies::parse(config.trusted_proxies).value();  // checked with the config
  std::vector<Listener> listeners{
      {config.listen_address, tls, acme, "acme", "/dir", HandlerThreads::io, external, caps.acme, trusted}};
  if (!config.plain_listen_address.empty()) {
    listeners.push_back({config.plain_listen_address, nullptr, acme, "acme-plain", "/dir", HandlerThreads::io,
                         external, caps.acme, trusted});
  }
  if (!config.management_listen_address.empty()) {
    listeners.push_back(
        {config.management_listen_address, tls,
         [&management](const api::Request& r) { return api::handle_management(r, management); }, "management",
         "/healthz", HandlerThreads::pool, "", caps.management});
  }
  for (auto& l : listeners) {
    auto hp = split_host_port(l.address);
    if (!hp) {
      spdlog::critical("{}: {}", l.name, hp.error().message);
      return false;
    }
    auto port = server.listen({.address = hp->first,
                               .port = hp->second,
                               .tls = l.tls,
                               .handler = std::move(l.handler),
                               .name = l.name,
                               .where = l.where,
                               .external_url = l.external_url,
                               .trusted_proxies = l.trusted_proxies,
                               .max_connections = l.max_connections,
                               .max_connections_per_address = caps.per_address,
                               .instruments = components.instruments});
    if (!port) {
      spdlog::critical("{}", port.error().message);
      return false;
    }
    auto host = hp->first == "127.0.0.1" || hp->first == "0.0.0.0" ? std::string("localhost") : hp->first;
    spdlog::info("{} listening on {}://{}:{}{}", l.name, l.tls ? "https" : "http", host, *port, l.path);
    if (!l.external_url.empty()) spdlog::info("{}: links use {}", l.name, l.external_url);
    if (!l.trusted_proxies.empty()) {
      spdlog::info("{}: forwarding headers (Forwarded, X-Forwarded-*) believed from {}", l.name,
                   l.trusted_proxies.describe());
    }
    if (config.pebble_compat) log_like_pebble(l.name, hp->first, *port);
  }
  return true;
}

}  // namespace

int run(const Config& config) {
  // Before the first line: every line is in the chosen format (the configuration was checked).
  common::use_log_format(common::log_format_named(config.log_format).value_or(common::LogFormat::text));
  set_log_level(config.log_level);
  const auto open_files = raise_open_file_limit();
  std::error_code fs_ec;
  // Pebble writes nothing to disk: with its own certificate a `pebble` leaves no data/ behind.
  bool needs_data_dir = !config.pebble_compat || config.certificate.empty() || config.ca_persist ||
                        config.database != ":memory:";
  if (needs_data_dir) fs::create_directories(config.data_dir, fs_ec);
  if (fs_ec) {
    spdlog::critical("cannot create data directory {}: {}", config.data_dir, fs_ec.message());
    return 1;
  }

  if (auto shared = share_key_files_first(config); !shared) {
    spdlog::critical("{}", shared.error().message);
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
  WorkerPool handler_pool(static_cast<std::size_t>(threads), "handler pool");

  // Validation outcomes are written by their own thread, so a burst of failing validations (zombie
  // clients) never queues API requests behind its SQLite commits on the handler pool.
  WorkerPool recorder(1, "validation recorder");
  auto components = build_components(config, io, recorder.get_executor(),
                                     tls_files->ca.empty() ? "" : read_file(tls_files->ca));
  if (!components) {
    spdlog::critical("{}", components.error().message);
    return 1;
  }
  if (config.fake_clock) spdlog::warn("fake clock: ACME time moves only when told to");
  if (config.always_valid) spdlog::warn("always-valid mode: every challenge passes without being checked");

  http::Server server(io, io_threads.all(), handler_pool.get_executor(), limits_from(config));
  auto caps = connection_caps(config, open_files);
  spdlog::info(
      "connections: at most {} per ACME listener, {} on the management listener, {} per client address "
      "(open-file limit {})",
      caps.acme, caps.management, caps.per_address, open_files);
  (*components)->core.management->listener_stats = [&server] {
    std::vector<api::ListenerFigures> out;
    for (const auto& l : server.stats()) {
      out.push_back(
          {l.name, l.open, l.accepted, l.refused_listener_full, l.refused_address_full, l.accept_errors});
    }
    return out;
  };
  if (!start_listeners(config, server, *tls, **components, caps)) return 1;
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
  // What was counted since the last flush, so a restart loses no pause or denial from the totals.
  if ((*components)->series_recorder) (*components)->series_recorder->flush();
  spdlog::info("stopped");
  return 0;
}

}  // namespace cobble::app
