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

}  // namespace

std::string_view Request::header(std::string_view name) const { return find_header(headers, name); }

std::string_view Reply::header(std::string_view name) const { return find_header(headers, name); }

bool runs_inline(const Request& request) {
  if (request.method != "GET" && request.method != "HEAD") return false;
  return request.path == paths::kNewNonce || request.path == paths::kDirectory ||
         request.path == paths::kDirectoryAlias;
}

}  // namespace cobble::api
