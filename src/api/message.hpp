#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/text.hpp"

namespace cobble::api {

using Headers = std::vector<std::pair<std::string, std::string>>;

// An HTTP request as the ACME layer sees it: no Beast types, so handlers test without sockets.
struct Request {
  std::string method;  // upper case: GET, HEAD, POST, OPTIONS, ...
  std::string path;    // without the query
  std::string query;   // after '?', undecoded; empty when absent
  Headers headers;
  std::string body;
  // "https://host:port" as the client addressed us: externalUrl, else what a trusted proxy says,
  // else the listener's scheme and the Host header (http::request_origin). URLs in replies are
  // built from it so a client behind any name, port or proxy gets working links.
  std::string base_url;
  // The client's IP address: the socket peer's, or a trusted proxy's word for it. For logs and
  // per-address limits.
  std::string remote_address;
  // This request's id (http/request_id.hpp), sent back as X-Request-Id and written in its log line
  // and in the events logged while it is handled, so a client's report leads to the server's lines.
  std::string request_id;

  // The first header with this name (case-insensitive), or "" when absent.
  std::string_view header(std::string_view name) const;
};

struct Reply {
  int status = 200;
  std::string content_type;
  Headers headers;
  std::string body;
  // Shown in the request log line (never secrets): the account id when the request had one.
  std::string log_account;
  // Wait this long before sending (injected slow responses, api/chaos.hpp).
  std::chrono::milliseconds delay{0};
  // The route that answered, as its table spells it ("/acme/new-order", "/acme/order/"); "" when
  // no route matched. Static text: it labels request metrics, whose label values must stay few.
  std::string_view endpoint;

  Reply& with_header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
  std::string_view header(std::string_view name) const;
};

// Case-insensitive ASCII comparison for header names.
using common::iequals;

// Requests whose handler neither blocks nor does real work (GET/HEAD newNonce, GET directory): the
// HTTP layer may run them on its I/O thread instead of handing them to the handler pool, which
// would cost two thread switches for a few µs of work.
bool runs_inline(const Request& request);

// The first `name` parameter of a URL query or form body, percent-decoded ('+' is a space);
// nullopt when absent.
std::optional<std::string> query_param(std::string_view query, std::string_view name);

}  // namespace cobble::api
