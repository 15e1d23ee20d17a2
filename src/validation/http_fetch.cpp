#include "validation/http_fetch.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <charconv>

#include "common/text.hpp"
#include "validation/source_address.hpp"

namespace cobble::validation {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

std::string Url::to_string() const {
  bool default_port = (scheme == "http" && port == 80) || (scheme == "https" && port == 443);
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return scheme + "://" + h + (default_port ? "" : ":" + std::to_string(port)) + target;
}

bool Url::host_is_address() const {
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

namespace {

// A target as it goes on the request line and into problem details: bytes a URL may not hold raw
// (controls, space, non-ASCII; RFC 3986 §2.1) are percent-encoded, as browsers do with a Location.
std::string escape_target(std::string_view target) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : target) {
    auto b = static_cast<unsigned char>(c);
    if (b <= 0x20 || b >= 0x7F || c == '"' || c == '<' || c == '>' || c == '\\' || c == '^' || c == '`' ||
        c == '{' || c == '|' || c == '}') {
      out += '%';
      out += kHex[b >> 4];
      out += kHex[b & 0xF];
    } else {
      out += c;
    }
  }
  return out;
}

// Host names are LDH (IDNs arrive as A-labels), addresses are digits, hex, dots and colons.
bool valid_host(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  for (char c : host) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' || c == '_'))
      return false;
  }
  return true;
}

}  // namespace

std::optional<Url> parse_url(std::string_view text, const Url* base) {
  auto scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) {
    if (!base || text.empty()) return std::nullopt;
    Url url = *base;
    if (text.front() == '/') {
      url.target = escape_target(text);
    } else {
      auto slash = base->target.rfind('/');
      url.target = base->target.substr(0, slash + 1) + escape_target(text);
    }
    if (auto hash = url.target.find('#'); hash != std::string::npos) url.target.resize(hash);
    return url;
  }
  Url url;
  url.scheme = common::ascii_lower(text.substr(0, scheme_end));
  if (url.scheme != "http" && url.scheme != "https") return std::nullopt;
  url.port = url.scheme == "https" ? 443 : 80;
  auto rest = text.substr(scheme_end + 3);
  auto path_start = rest.find_first_of("/?#");
  auto authority = rest.substr(0, path_start);
  url.target = path_start == std::string_view::npos ? "/" : escape_target(rest.substr(path_start));
  if (auto hash = url.target.find('#'); hash != std::string::npos) url.target.resize(hash);
  if (url.target.empty() || url.target.front() != '/') url.target.insert(0, "/");
  if (authority.find('@') != std::string_view::npos || authority.empty()) return std::nullopt;
  std::string_view port_text;
  if (authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    url.host = std::string(authority.substr(1, close - 1));
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return std::nullopt;
      port_text = authority.substr(close + 2);
    }
  } else {
    auto colon = authority.rfind(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (!port_text.empty()) {
    unsigned port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 || port > 65535) {
      return std::nullopt;
    }
    url.port = static_cast<std::uint16_t>(port);
  }
  url.host = common::ascii_lower(url.host);
  if (!valid_host(url.host)) return std::nullopt;
  return url;
}

namespace {

using acme::Problem;
using acme::ProblemType;

Problem connection_problem(const Url& url, const boost::system::error_code& ec, bool during_connect) {
  std::string why;
  if (ec == beast::error::timeout) {
    why = during_connect ? "Timeout during connect (likely firewall problem)"
                         : "Timeout after connect (your server may be slow or overloaded)";
  } else if (ec == asio::error::connection_refused) {
    why = "Connection refused";
  } else if (ec == asio::error::connection_reset || ec == asio::error::eof) {
    why = "Connection reset by peer";
  } else {
    why = ec.message();
  }
  return Problem::make(ProblemType::connection, "Fetching " + url.to_string() + ": " + why);
}

template <class Stream>
asio::awaitable<std::expected<HttpReply, Problem>> exchange(Stream& stream, const Url& url,
                                                            const std::string& user_agent,
                                                            std::size_t max_body) {
  bhttp::request<bhttp::empty_body> req{bhttp::verb::get, url.target, 11};
  bool default_port = (url.scheme == "http" && url.port == 80) || (url.scheme == "https" && url.port == 443);
  std::string host = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
  req.set(bhttp::field::host, default_port ? host : host + ":" + std::to_string(url.port));
  req.set(bhttp::field::user_agent, user_agent);
  req.set(bhttp::field::accept, "*/*");
  req.set(bhttp::field::connection, "close");
  auto [wec, wn] = co_await bhttp::async_write(stream, req, asio::as_tuple(asio::use_awaitable));
  if (wec) co_return std::unexpected(connection_problem(url, wec, false));

  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(max_body);
  auto [rec, rn] = co_await bhttp::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
  if (rec == bhttp::error::body_limit) {
    co_return std::unexpected(Problem::make(
        ProblemType::unauthorized, "Fetching " + url.to_string() + ": the response body is larger than " +
                                       std::to_string(max_body) +
                                       " bytes; a key authorization is much shorter"));
  }
  if (rec && !(rec == bhttp::error::end_of_stream && parser.is_done())) {
    if (rec == beast::error::timeout || rec == asio::error::connection_reset || rec == asio::error::eof ||
        rec == bhttp::error::end_of_stream) {
      co_return std::unexpected(connection_problem(url, rec, false));
    }
    co_return std::unexpected(Problem::make(
        ProblemType::connection,
        "Fetching " + url.to_string() + ": the response is not valid HTTP (" + rec.message() + ")"));
  }
  auto& res = parser.get();
  co_return HttpReply{static_cast<int>(res.result_int()), std::string(res[bhttp::field::location]),
                      res.body()};
}

}  // namespace

asio::awaitable<std::expected<HttpReply, acme::Problem>> fetch(const asio::ip::tcp::endpoint& endpoint,
                                                               const Url& url, const std::string& user_agent,
                                                               std::size_t max_body,
                                                               std::chrono::steady_clock::time_point deadline,
                                                               bool& connected,
                                                               const std::string& source_address) {
  auto executor = co_await asio::this_coro::executor;
  beast::tcp_stream tcp(executor);
  tcp.expires_at(deadline);
  if (auto bec = bind_source(tcp.socket(), endpoint, source_address)) {
    co_return std::unexpected(Problem::make(
        ProblemType::server_internal,
        "The validation perspective cannot use source address " + source_address + ": " + bec.message()));
  }
  auto [cec] = co_await tcp.async_connect(endpoint, asio::as_tuple(asio::use_awaitable));
  connected = !cec;
  if (cec) co_return std::unexpected(connection_problem(url, cec, true));
  if (url.scheme == "http") co_return co_await exchange(tcp, url, user_agent, max_body);

  asio::ssl::context tls(asio::ssl::context::tls_client);
  tls.set_verify_mode(asio::ssl::verify_none);  // RFC 8555 §8.3: redirects to https need not be verified
  beast::ssl_stream<beast::tcp_stream> stream(std::move(tcp), tls);
  if (!url.host_is_address()) SSL_set_tlsext_host_name(stream.native_handle(), url.host.c_str());
  auto [hec] =
      co_await stream.async_handshake(asio::ssl::stream_base::client, asio::as_tuple(asio::use_awaitable));
  if (hec) {
    co_return std::unexpected(Problem::make(
        ProblemType::tls, "Fetching " + url.to_string() + ": TLS handshake failed (" + hec.message() + ")"));
  }
  co_return co_await exchange(stream, url, user_agent, max_body);
}

}  // namespace cobble::validation
