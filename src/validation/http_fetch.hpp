#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <expected>
#include <optional>
#include <string>

#include "validation/outcome.hpp"

namespace cobble::validation {

// One absolute http(s) URL, split.
struct Url {
  std::string scheme;  // "http" or "https"
  std::string host;    // name or address, without brackets
  std::uint16_t port = 80;
  std::string target;  // path and query, starting with "/"

  std::string to_string() const;
  bool host_is_address() const;
};
// Parses an absolute URL, or resolves `text` relative to `base` when given (redirect Locations).
std::optional<Url> parse_url(std::string_view text, const Url* base = nullptr);

struct HttpReply {
  int status = 0;
  std::string location;
  std::string body;
};

// GETs `url` from `endpoint` (TLS without certificate checks for https, as RFC 8555 §8.3 allows
// for redirects), reading at most `max_body` bytes of body, all before `deadline`. On failure
// returns the problem a person would read ("Timeout during connect (likely firewall problem)").
// `connected` tells whether the TCP connection was made (callers fall back to another address
// only when it was not). `source_address`: see bind_source.
boost::asio::awaitable<std::expected<HttpReply, acme::Problem>> fetch(
    const boost::asio::ip::tcp::endpoint& endpoint, const Url& url, const std::string& user_agent,
    std::size_t max_body, std::chrono::steady_clock::time_point deadline, bool& connected,
    const std::string& source_address = "");

}  // namespace cobble::validation
