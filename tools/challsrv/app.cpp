#include "challsrv/app.hpp"

#include <spdlog/spdlog.h>

#include "challsrv/dns_wire.hpp"
#include "challsrv/http01_server.hpp"
#include "challsrv/management.hpp"

namespace cobble::challsrv {

ChallSrv::ChallSrv(boost::asio::io_context& io)
    : dns_(io, state_),
      http01_(io, "http-01", http01_handler(state_)),
      tlsalpn01_(io, state_),
      management_(io, "management", management_handler(state_)) {}

namespace {

// Binds every address of `spec` with `listen`, appending the ports to `out`.
template <class Listen>
common::Result<void> bind_all(std::string_view what, const std::string& spec, std::vector<std::uint16_t>& out,
                              Listen listen) {
  auto binds = parse_bind_list(spec);
  if (!binds) return common::fail(binds.error().code, std::string(what) + ": " + binds.error().message);
  for (const auto& bind : *binds) {
    auto port = listen(bind);
    if (!port) return std::unexpected(port.error());
    BindAddress shown = bind;
    shown.port = *port;
    spdlog::info("{} listening on {}", what, shown.text());
    out.push_back(*port);
  }
  return {};
}

}  // namespace

common::Result<BoundPorts> ChallSrv::start(const Config& config) {
  if (!config.default_ipv4.empty() && !dns::rdata_a(config.default_ipv4))
    return common::fail(std::errc::invalid_argument,
                        "default IPv4 '" + config.default_ipv4 + "' is not an IPv4 address");
  if (!config.default_ipv6.empty() && !dns::rdata_aaaa(config.default_ipv6))
    return common::fail(std::errc::invalid_argument,
                        "default IPv6 '" + config.default_ipv6 + "' is not an IPv6 address");
  state_->set_default_ipv4(config.default_ipv4);
  state_->set_default_ipv6(config.default_ipv6);
  BoundPorts ports;
  common::Result<void> ok;
  ok = bind_all("dns (udp+tcp)", config.dns_address, ports.dns,
                [&](const BindAddress& b) { return dns_.listen(b); });
  if (ok)
    ok = bind_all("http-01", config.http01_address, ports.http01,
                  [&](const BindAddress& b) { return http01_.listen(b); });
  if (ok)
    ok = bind_all("tls-alpn-01", config.tlsalpn01_address, ports.tlsalpn01,
                  [&](const BindAddress& b) { return tlsalpn01_.listen(b); });
  if (ok)
    ok = bind_all("management", config.management_address, ports.management,
                  [&](const BindAddress& b) { return management_.listen(b); });
  if (!ok) return std::unexpected(ok.error());
  return ports;
}

void ChallSrv::stop() {
  dns_.stop();
  http01_.stop();
  tlsalpn01_.stop();
  management_.stop();
}

}  // namespace cobble::challsrv
