#include "challsrv/dns_server.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <chrono>
#include <mutex>
#include <vector>

#include "challsrv/net.hpp"

namespace cobble::challsrv {
namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;
using asio::ip::udp;

namespace {

// Mock data must not be cached by a resolver in front of us: the next test changes it.
constexpr std::uint32_t kTtl = 0;
constexpr std::size_t kMaxUdpPayload = 4096;
constexpr auto kTcpIdleTimeout = std::chrono::seconds(10);

dns::Record mock_soa() {
  return {"challtestsrv.invalid.", dns::kTypeSoa, kTtl,
          dns::rdata_soa("ns.challtestsrv.invalid.", "master.challtestsrv.invalid.", 1, 1, 1, 1, 1)};
}

bool is_ip_literal(std::string_view name) {
  if (name.ends_with('.')) name.remove_suffix(1);
  return dns::rdata_a(name) || dns::rdata_aaaa(name);
}

void add_addresses(const State& state, RecordSet set, const std::string& name, dns::Response& out) {
  if (is_ip_literal(name)) return;  // as challtestsrv: an address is not a name to look up
  auto values = state.records(set, name);
  if (values.empty()) {
    auto fallback = set == RecordSet::a ? state.default_ipv4() : state.default_ipv6();
    if (!fallback.empty()) values.push_back(std::move(fallback));
  }
  for (const auto& value : values) {
    auto rdata = set == RecordSet::a ? dns::rdata_a(value) : dns::rdata_aaaa(value);
    if (!rdata) continue;  // management validates; a bad default is skipped, not served
    out.answers.push_back(
        {name, set == RecordSet::a ? dns::kTypeA : dns::kTypeAaaa, kTtl, std::move(*rdata)});
  }
}

void log_exception(std::string_view what, std::exception_ptr error) {
  if (!error) return;
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    spdlog::warn("dns {}: {}", what, e.what());
  }
}

}  // namespace

dns::Response resolve(const State& state, const dns::Query& query) {
  dns::Response response;
  response.authority.push_back(mock_soa());
  if (state.servfail(query.name)) {
    response.rcode = dns::Rcode::servfail;
    return response;
  }
  if (state.nxdomain(query.name)) {  // Cobble extension: before the CNAME, as the name does not exist
    response.rcode = dns::Rcode::nxdomain;
    return response;
  }
  std::string name = query.name;
  if (auto target = state.cname(query.name)) {
    response.answers.push_back({query.name, dns::kTypeCname, kTtl, dns::rdata_name(*target)});
    if (query.qtype == dns::kTypeCname) return response;
    name = *target;  // challtestsrv follows one level only
  }
  switch (query.qtype) {
    case dns::kTypeCname:
      break;
    case dns::kTypeA:
      add_addresses(state, RecordSet::a, name, response);
      break;
    case dns::kTypeAaaa:
      add_addresses(state, RecordSet::aaaa, name, response);
      break;
    case dns::kTypeTxt:
      for (const auto& value : state.records(RecordSet::txt, name))
        response.answers.push_back({name, dns::kTypeTxt, kTtl, dns::rdata_txt(value)});
      break;
    case dns::kTypeCaa:
      for (const auto& policy : state.caa(name))
        response.answers.push_back({name, dns::kTypeCaa, kTtl, dns::rdata_caa(0, policy.tag, policy.value)});
      break;
    default:
      response.rcode = dns::Rcode::notimp;
  }
  return response;
}

std::optional<std::string> answer_dns(State& state, std::string_view wire, bool over_tcp) {
  auto parsed = dns::parse_query(wire);
  if (!parsed) return std::nullopt;
  const auto& query = parsed->query;
  dns::Response response;
  if (parsed->error == dns::Rcode::noerror) {
    state.record(DnsEvent{query.name, query.qtype, query.qclass, ""});
    response = resolve(state, query);
  }
  std::size_t limit = 65535;
  if (!over_tcp)
    limit = query.edns ? std::clamp<std::size_t>(query.udp_payload, dns::kClassicUdpSize, kMaxUdpPayload)
                       : dns::kClassicUdpSize;
  return dns::encode_response(*parsed, response, limit);
}

struct DnsServer::Shared {
  asio::io_context& io;
  std::shared_ptr<State> state;
  std::mutex mutex;
  std::vector<std::shared_ptr<udp::socket>> udp_sockets;
  std::vector<std::shared_ptr<tcp::acceptor>> acceptors;
};

namespace {

asio::awaitable<void> udp_loop(std::shared_ptr<udp::socket> socket, std::shared_ptr<State> state) {
  std::vector<char> buffer(65536);
  for (;;) {
    udp::endpoint from;
    auto [ec, n] =
        co_await socket->async_receive_from(asio::buffer(buffer), from, asio::as_tuple(asio::use_awaitable));
    if (ec == asio::error::operation_aborted || !socket->is_open()) co_return;
    if (ec) continue;  // e.g. ICMP port unreachable from an earlier reply
    auto reply = answer_dns(*state, std::string_view(buffer.data(), n), false);
    if (!reply) continue;
    co_await socket->async_send_to(asio::buffer(*reply), from, asio::as_tuple(asio::use_awaitable));
  }
}

asio::awaitable<void> tcp_session(tcp::socket socket, std::shared_ptr<State> state) {
  beast::tcp_stream stream(std::move(socket));
  std::vector<char> message;
  for (;;) {  // RFC 7766 §6.2.1: several queries may share one connection
    std::array<unsigned char, 2> prefix{};
    stream.expires_after(kTcpIdleTimeout);
    auto [ec, n] =
        co_await asio::async_read(stream, asio::buffer(prefix), asio::as_tuple(asio::use_awaitable));
    if (ec) break;
    message.resize(static_cast<std::size_t>(prefix[0] << 8 | prefix[1]));
    std::tie(ec, n) =
        co_await asio::async_read(stream, asio::buffer(message), asio::as_tuple(asio::use_awaitable));
    if (ec) break;
    auto reply = answer_dns(*state, std::string_view(message.data(), message.size()), true);
    if (!reply) break;
    std::string framed;
    framed.push_back(static_cast<char>(reply->size() >> 8));
    framed.push_back(static_cast<char>(reply->size() & 0xFF));
    framed += *reply;
    std::tie(ec, n) =
        co_await asio::async_write(stream, asio::buffer(framed), asio::as_tuple(asio::use_awaitable));
    if (ec) break;
  }
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
}

asio::awaitable<void> tcp_accept_loop(std::shared_ptr<tcp::acceptor> acceptor,
                                      std::shared_ptr<DnsServer::Shared> shared) {
  for (;;) {
    auto [ec, socket] =
        co_await acceptor->async_accept(asio::make_strand(shared->io), asio::as_tuple(asio::use_awaitable));
    if (ec == asio::error::operation_aborted || !acceptor->is_open()) co_return;
    if (ec) {
      spdlog::warn("dns: accept failed: {}", ec.message());
      continue;
    }
    auto executor = socket.get_executor();
    asio::co_spawn(executor, tcp_session(std::move(socket), shared->state),
                   [](std::exception_ptr e) { log_exception("tcp session", e); });
  }
}

}  // namespace

DnsServer::DnsServer(asio::io_context& io, std::shared_ptr<State> state)
    : shared_(std::make_shared<Shared>(io, std::move(state))) {}

DnsServer::~DnsServer() { stop(); }

common::Result<std::uint16_t> DnsServer::listen(const BindAddress& bind) {
  // With port 0 the kernel picks a UDP port; the same TCP port is usually free, retry if not.
  const int attempts = bind.port == 0 ? 16 : 1;
  common::Error last;
  for (int i = 0; i < attempts; ++i) {
    auto udp_socket = open_udp(asio::make_strand(shared_->io), bind);
    if (!udp_socket) return common::fail(udp_socket.error().code, "dns: " + udp_socket.error().message);
    BindAddress same_port = bind;
    same_port.port = udp_socket->local_endpoint().port();
    auto acceptor = open_acceptor(asio::make_strand(shared_->io), same_port);
    if (!acceptor) {
      last = acceptor.error();
      continue;
    }
    auto udp_ptr = std::make_shared<udp::socket>(std::move(*udp_socket));
    auto tcp_ptr = std::make_shared<tcp::acceptor>(std::move(*acceptor));
    {
      std::lock_guard lock(shared_->mutex);
      shared_->udp_sockets.push_back(udp_ptr);
      shared_->acceptors.push_back(tcp_ptr);
    }
    asio::co_spawn(udp_ptr->get_executor(), udp_loop(udp_ptr, shared_->state),
                   [](std::exception_ptr e) { log_exception("udp loop", e); });
    asio::co_spawn(tcp_ptr->get_executor(), tcp_accept_loop(tcp_ptr, shared_),
                   [](std::exception_ptr e) { log_exception("tcp accept loop", e); });
    return same_port.port;
  }
  return common::fail(last.code, "dns: " + last.message);
}

void DnsServer::stop() {
  std::lock_guard lock(shared_->mutex);
  close_all(shared_->udp_sockets);
  close_all(shared_->acceptors);
}

}  // namespace cobble::challsrv
