#include "app/webhook.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <nlohmann/json.hpp>

#include "acme/json_text.hpp"
#include "common/exception_boundary.hpp"
#include "validation/http_fetch.hpp"

namespace cobble::app {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

namespace {

template <class Stream>
asio::awaitable<int> post(Stream& stream, const validation::Url& url, const std::string& body) {
  bhttp::request<bhttp::string_body> req{bhttp::verb::post, url.target, 11};
  req.set(bhttp::field::host, url.host);
  req.set(bhttp::field::user_agent, "cobble-pause-notifier");
  req.set(bhttp::field::content_type, "application/json");
  req.body() = body;
  req.prepare_payload();
  auto [wec, wn] = co_await bhttp::async_write(stream, req, asio::as_tuple(asio::use_awaitable));
  if (wec) co_return -1;
  beast::flat_buffer buffer;
  bhttp::response<bhttp::string_body> res;
  auto [rec, rn] = co_await bhttp::async_read(stream, buffer, res, asio::as_tuple(asio::use_awaitable));
  co_return rec ? -1 : static_cast<int>(res.result_int());
}

asio::awaitable<void> deliver(validation::Url url, std::string body, std::string what) {
  auto executor = co_await asio::this_coro::executor;
  asio::ip::tcp::resolver resolver(executor);  // getaddrinfo runs on Asio's resolver thread
  auto [rec, endpoints] = co_await resolver.async_resolve(url.host, std::to_string(url.port),
                                                          asio::as_tuple(asio::use_awaitable));
  if (rec) {
    spdlog::warn("pause webhook: cannot resolve {}: {} ({})", url.host, rec.message(), what);
    co_return;
  }
  beast::tcp_stream tcp(executor);
  tcp.expires_after(std::chrono::seconds(10));
  auto [cec, ep] = co_await tcp.async_connect(endpoints, asio::as_tuple(asio::use_awaitable));
  if (cec) {
    spdlog::warn("pause webhook: cannot connect to {}: {} ({})", url.to_string(), cec.message(), what);
    co_return;
  }
  int status = -1;
  if (url.scheme == "https") {
    asio::ssl::context tls(asio::ssl::context::tls_client);
    tls.set_default_verify_paths();
    tls.set_verify_mode(asio::ssl::verify_peer);
    beast::ssl_stream<beast::tcp_stream> stream(std::move(tcp), tls);
    SSL_set_tlsext_host_name(stream.native_handle(), url.host.c_str());
    stream.set_verify_callback(asio::ssl::host_name_verification(url.host));
    auto [hec] =
        co_await stream.async_handshake(asio::ssl::stream_base::client, asio::as_tuple(asio::use_awaitable));
    if (!hec) status = co_await post(stream, url, body);
  } else {
    status = co_await post(tcp, url, body);
  }
  if (status < 200 || status > 299) {
    spdlog::warn("pause webhook {} answered {} ({})", url.to_string(),
                 status < 0 ? "nothing" : std::to_string(status), what);
  }
}

}  // namespace

void WebhookNotifier::notify(const authority::PauseNotice& notice) {
  auto url = validation::parse_url(url_);
  if (!url) {
    spdlog::warn("pause webhook: '{}' is not an http(s) URL", url_);
    return;
  }
  nlohmann::json body = {{"event", notice.repaused ? "repaused" : "paused"},
                         {"account", notice.account_id},
                         {"contacts", notice.contacts},
                         {"identifier", notice.identifier},
                         {"unpauseUrl", notice.unpause_url}};
  auto what = "account " + std::to_string(notice.account_id) + " " + notice.identifier;
  asio::co_spawn(io_, deliver(*url, acme::json_text(body), what), common::LogEscaped{"pause webhook"});
}

}  // namespace cobble::app
