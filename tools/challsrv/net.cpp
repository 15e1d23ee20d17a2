#include "challsrv/net.hpp"

#include <boost/asio/ip/v6_only.hpp>
#include <charconv>

namespace cobble::challsrv {
namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;

namespace {

common::Result<BindAddress> parse_one(std::string_view text) {
  auto bad = [&] {
    return common::fail(std::errc::invalid_argument, "bad listen address '" + std::string(text) + "'");
  };
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return bad();
  auto host = text.substr(0, colon);
  auto port_text = text.substr(colon + 1);
  if (host.starts_with('[') && host.ends_with(']')) host = host.substr(1, host.size() - 2);
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc{} || end != port_text.data() + port_text.size() || port > 65535) return bad();
  BindAddress bind{std::string(host), static_cast<std::uint16_t>(port)};
  if (bind.host == "localhost") bind.host = "127.0.0.1";
  if (!bind.host.empty()) {
    boost::system::error_code parse_ec;
    asio::ip::make_address(bind.host, parse_ec);
    if (parse_ec) return bad();
  }
  return bind;
}

// Opens, configures and binds `socket` at `bind`, trying [::] dual-stack then 0.0.0.0 for "any".
template <class Socket, class Protocol>
common::Result<Socket> bind_socket(const asio::any_io_executor& executor, const BindAddress& bind,
                                   bool listen) {
  std::vector<typename Protocol::endpoint> candidates;
  if (bind.host.empty()) {
    candidates.emplace_back(asio::ip::address_v6::any(), bind.port);
    candidates.emplace_back(asio::ip::address_v4::any(), bind.port);
  } else {
    candidates.emplace_back(asio::ip::make_address(bind.host), bind.port);
  }
  boost::system::error_code ec;
  for (const auto& endpoint : candidates) {
    Socket socket(executor);
    socket.open(endpoint.protocol(), ec);
    if (ec) continue;
    if (endpoint.address().is_v6() && bind.host.empty()) socket.set_option(asio::ip::v6_only(false), ec);
    if constexpr (std::is_same_v<Socket, tcp::acceptor>)
      socket.set_option(asio::socket_base::reuse_address(true), ec);
    socket.bind(endpoint, ec);
    if (!ec && listen) {
      if constexpr (std::is_same_v<Socket, tcp::acceptor>)
        socket.listen(asio::socket_base::max_listen_connections, ec);
    }
    if (!ec) return socket;
    if (ec == asio::error::address_in_use) break;
  }
  return common::fail(
      ec == asio::error::address_in_use ? std::errc::address_in_use : std::errc::invalid_argument,
      "cannot listen on " + bind.text() + ": " + ec.message());
}

}  // namespace

std::string BindAddress::text() const {
  auto shown = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return shown + ":" + std::to_string(port);
}

common::Result<std::vector<BindAddress>> parse_bind_list(std::string_view spec) {
  std::vector<BindAddress> out;
  while (!spec.empty()) {
    auto comma = spec.find(',');
    auto item = spec.substr(0, comma);
    spec.remove_prefix(comma == std::string_view::npos ? spec.size() : comma + 1);
    while (item.starts_with(' ')) item.remove_prefix(1);
    while (item.ends_with(' ')) item.remove_suffix(1);
    if (item.empty()) continue;
    auto bind = parse_one(item);
    if (!bind) return std::unexpected(bind.error());
    out.push_back(std::move(*bind));
  }
  return out;
}

common::Result<tcp::acceptor> open_acceptor(const asio::any_io_executor& executor, const BindAddress& bind) {
  return bind_socket<tcp::acceptor, tcp>(executor, bind, true);
}

common::Result<udp::socket> open_udp(const asio::any_io_executor& executor, const BindAddress& bind) {
  return bind_socket<udp::socket, udp>(executor, bind, false);
}

}  // namespace cobble::challsrv
