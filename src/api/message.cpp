#include "api/message.hpp"

#include <algorithm>

#include "api/urls.hpp"

namespace cobble::api {
namespace {

std::string_view find_header(const Headers& headers, std::string_view name) {
  auto it =
      std::find_if(headers.begin(), headers.end(), [&](const auto& h) { return iequals(h.first, name); });
  return it == headers.end() ? std::string_view{} : std::string_view(it->second);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    int hi = -1, lo = -1;
    if (text[i] == '%' && i + 2 < text.size() && (hi = hex_value(text[i + 1])) >= 0 &&
        (lo = hex_value(text[i + 2])) >= 0) {
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += text[i] == '+' ? ' ' : text[i];
    }
  }
  return out;
}

}  // namespace

std::optional<std::string> query_param(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    auto eq = pair.find('=');
    if (percent_decode(pair.substr(0, eq)) != name) continue;
    return eq == std::string_view::npos ? std::string() : percent_decode(pair.substr(eq + 1));
  }
  return std::nullopt;
}

std::string_view Request::header(std::string_view name) const { return find_header(headers, name); }

std::string_view Reply::header(std::string_view name) const { return find_header(headers, name); }

bool runs_inline(const Request& request) {
  if (request.method != "GET" && request.method != "HEAD") return false;
  return request.path == paths::kNewNonce || request.path == paths::kDirectory ||
         request.path == paths::kDirectoryAlias;
}

}  // namespace cobble::api
