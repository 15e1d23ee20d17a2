// cobble-challsrv: a mock DNS + HTTP-01 + TLS-ALPN-01 responder whose management API is
// pebble-challtestsrv's, so client CI written for Pebble's responder runs unchanged.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "challsrv/app.hpp"

namespace {

// Go's flag package reads "-name" and "--name" alike; CLI11 takes single-dash names as bundled
// short options. Rewrite Pebble's single-dash spellings (also "-name=value") to double-dash.
constexpr std::array kPebbleFlags = {"http01",     "https01",     "tlsalpn01",  "dnsserver",
                                     "dns01",      "doh",         "doh-cert",   "doh-cert-key",
                                     "management", "defaultIPv4", "defaultIPv6"};

std::vector<std::string> pebble_style_to_cli11(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  for (auto& arg : args) {
    if (!arg.starts_with('-') || arg.starts_with("--")) continue;
    std::string_view name = std::string_view(arg).substr(1);
    name = name.substr(0, name.find('='));
    for (std::string_view flag : kPebbleFlags)
      if (name == flag) arg.insert(0, "-");
  }
  return args;
}

}  // namespace

int main(int argc, char** argv) {
  cobble::challsrv::Config config;
  std::string ignored_https01, ignored_doh, ignored_doh_cert, ignored_doh_key;
  unsigned threads = 2;
  CLI::App app{
      "cobble-challsrv: mock DNS, HTTP-01 and TLS-ALPN-01 responder (pebble-challtestsrv compatible)"};
  app.add_option("--dns-address,--dnsserver,--dns01", config.dns_address,
                 "DNS (UDP and TCP) listen address(es)")
      ->capture_default_str();
  app.add_option("--http01-address,--http01", config.http01_address, "HTTP-01 listen address(es)")
      ->capture_default_str();
  app.add_option("--tlsalpn01-address,--tlsalpn01", config.tlsalpn01_address,
                 "TLS-ALPN-01 listen address(es)")
      ->capture_default_str();
  app.add_option("--management-address,--management", config.management_address,
                 "management API listen address(es)")
      ->capture_default_str();
  app.add_option("--default-ipv4,--defaultIPv4", config.default_ipv4,
                 "A answer for names without A records (\"\" = none)")
      ->capture_default_str();
  app.add_option("--default-ipv6,--defaultIPv6", config.default_ipv6,
                 "AAAA answer for names without AAAA records (\"\" = none)")
      ->capture_default_str();
  app.add_option("--threads", threads, "I/O threads")->capture_default_str()->check(CLI::Range(1u, 64u));
  app.add_option("--https01", ignored_https01, "accepted for Pebble compatibility; not served");
  app.add_option("--doh", ignored_doh, "accepted for Pebble compatibility; not served");
  app.add_option("--doh-cert", ignored_doh_cert, "accepted for Pebble compatibility; ignored");
  app.add_option("--doh-cert-key", ignored_doh_key, "accepted for Pebble compatibility; ignored");

  auto args = pebble_style_to_cli11(argc, argv);
  std::vector<char*> rewritten;
  for (auto& arg : args) rewritten.push_back(arg.data());
  CLI11_PARSE(app, static_cast<int>(rewritten.size()), rewritten.data());
  if (!ignored_https01.empty() || !ignored_doh.empty())
    spdlog::warn("-https01 and -doh are not implemented; those servers are not started");

  boost::asio::io_context io;
  cobble::challsrv::ChallSrv server(io);
  auto started = server.start(config);
  if (!started) {
    spdlog::error("{}", started.error().message);
    return 1;
  }
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int signal) {
    spdlog::info("signal {}: shutting down", signal);
    server.stop();
    io.stop();
  });
  std::vector<std::jthread> pool;
  for (unsigned i = 1; i < threads; ++i) pool.emplace_back([&io] { io.run(); });
  io.run();
  return 0;
}
