#include "validation/http01.hpp"

#include "common/text.hpp"
#include "validation/http_fetch.hpp"
#include "validation/targets.hpp"

namespace cobble::validation {
namespace asio = boost::asio;
using acme::ProblemType;

namespace {

bool allowed_redirect_port(const Url& url, const HttpOptions& options) {
  if (options.redirect_ports == RedirectPorts::any) return true;
  return url.port == 80 || url.port == 443 || url.port == options.http_port || url.port == options.https_port;
}

}  // namespace

asio::awaitable<Outcome> validate_http01(Resolver& resolver, const Request& request,
                                         const HttpOptions& options) {
  auto deadline = std::chrono::steady_clock::now() + options.timeout;
  Outcome outcome;
  // RFC 8738 §5: an IP identifier is fetched from the address itself (IPv6 in brackets).
  const auto& value = request.identifier.value;
  auto host = value.find(':') != std::string::npos ? "[" + value + "]" : value;
  auto first = parse_url("http://" + host + ":" + std::to_string(options.http_port) +
                         "/.well-known/acme-challenge/" + request.token);
  if (!first) co_return failed(ProblemType::malformed, "Cannot build a URL for " + request.identifier.value);
  Url url = *first;

  for (int hop = 0;; ++hop) {
    // Each hop's DNS lookup has its own timeouts; the whole fetch still ends at `deadline`.
    if (std::chrono::steady_clock::now() >= deadline) {
      outcome.problem =
          acme::Problem::make(ProblemType::connection,
                              "Fetching " + url.to_string() + ": timeout (the redirects took longer than " +
                                  std::to_string(options.timeout.count()) + " seconds)");
      co_return outcome;
    }
    auto addresses = co_await addresses_to_try(resolver, url.host, options.policy);
    if (!addresses) {
      outcome.problem = addresses.error();
      co_return outcome;
    }
    std::expected<HttpReply, acme::Problem> reply = std::unexpected(acme::Problem{});
    for (const auto& address : *addresses) {
      asio::ip::tcp::endpoint endpoint(address, url.port);
      outcome.addresses.push_back((address.is_v6() ? "[" + address.to_string() + "]" : address.to_string()) +
                                  ":" + std::to_string(url.port));
      bool connected = false;
      reply = co_await fetch(endpoint, url, options.user_agent, options.max_body, deadline, connected,
                             options.source_address);
      if (reply || connected) break;  // fall back to the next address only when this one did not connect
    }
    if (!reply) {
      outcome.problem = reply.error();
      co_return outcome;
    }
    int status = reply->status;
    if (status == 301 || status == 302 || status == 307 || status == 308) {
      if (hop + 1 > options.max_redirects) {
        co_return Outcome{
            acme::Problem::make(ProblemType::connection, "Too many redirects (more than " +
                                                             std::to_string(options.max_redirects) +
                                                             ") starting at " + first->to_string()),
            outcome.addresses, outcome.redirects};
      }
      auto next = parse_url(reply->location, &url);
      if (!next) {
        co_return Outcome{acme::Problem::make(ProblemType::connection,
                                              "Fetching " + url.to_string() + ": invalid redirect target \"" +
                                                  common::printable(reply->location) + "\""),
                          outcome.addresses, outcome.redirects};
      }
      if (!allowed_redirect_port(*next, options)) {
        co_return Outcome{
            acme::Problem::make(ProblemType::connection,
                                "Fetching " + url.to_string() + ": invalid port in redirect target " +
                                    next->to_string() + "; only ports 80 and 443 (and this CA's " +
                                    std::to_string(options.http_port) + "/" +
                                    std::to_string(options.https_port) + ") are allowed"),
            outcome.addresses, outcome.redirects};
      }
      url = *next;
      outcome.redirects.push_back(url.to_string());
      continue;
    }
    if (status != 200) {
      outcome.problem =
          acme::Problem::make(ProblemType::unauthorized, "Invalid response from " + url.to_string() +
                                                             ": HTTP " + std::to_string(status));
      co_return outcome;
    }
    std::string body = reply->body;
    while (!body.empty() &&
           (body.back() == ' ' || body.back() == '\t' || body.back() == '\r' || body.back() == '\n')) {
      body.pop_back();
    }
    if (body != request.key_authorization) {
      outcome.problem =
          acme::Problem::make(ProblemType::unauthorized,
                              "The key authorization file from the server did not match this "
                              "challenge. Expected \"" +
                                  request.key_authorization + "\" (got \"" + common::printable(body) + "\")");
    }
    co_return outcome;
  }
}

}  // namespace cobble::validation
