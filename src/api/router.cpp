#include "api/router.hpp"

#include "common/text.hpp"

namespace cobble::api::detail {
namespace {

std::string allow_header(unsigned methods) {
  std::string allow;
  auto add = [&](const char* m) { allow += allow.empty() ? m : std::string(", ") + m; };
  if (methods & kGet) add("GET"), add("HEAD");
  if (methods & kPost) add("POST");
  add("OPTIONS");
  return allow;
}

unsigned method_bit(std::string_view method) {
  if (method == "GET" || method == "HEAD") return kGet;  // HEAD is allowed wherever GET is
  if (method == "POST") return kPost;
  return 0;
}

std::string_view media_type(std::string_view content_type) {
  auto semi = content_type.find(';');
  auto type = content_type.substr(0, semi);
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  return type;
}

}  // namespace

std::optional<Reply> refuse(bool found, unsigned methods, const Request& request, PostBody post_body) {
  if (!found)
    return problem_reply(
        acme::Problem::not_found("There is no resource at " + common::printable(request.path, 200)));
  if (!(method_bit(request.method) & methods)) {
    return problem_reply(acme::Problem::method_not_allowed(allow_header(methods)));
  }
  // RFC 8555 §6.2: ACME POST bodies are JWS, sent as application/jose+json.
  if (request.method == "POST") {
    auto type = media_type(request.header("Content-Type"));
    // A bodiless POST (the portal's form button) has nothing to label.
    if (post_body == PostBody::form && type.empty() && request.body.empty()) return std::nullopt;
    auto wanted = post_body == PostBody::jose   ? "application/jose+json"
                  : post_body == PostBody::json ? "application/json"
                                                : "application/x-www-form-urlencoded";
    if (!iequals(type, wanted)) {
      return problem_reply(acme::Problem::unsupported_media_type(
          std::string("POST bodies must be sent as ") + wanted + ", not '" + common::printable(type) + "'"));
    }
    if (post_body == PostBody::json && request.body.empty()) {
      return problem_reply(
          acme::Problem::malformed("The POST body must be a JSON object ({} when there is nothing to say)"));
    }
  }
  return std::nullopt;
}

Reply options_reply(unsigned methods, bool cors) {
  Reply reply;
  reply.status = 204;
  reply.with_header("Allow", allow_header(methods));
  if (cors) {
    reply.with_header("Access-Control-Allow-Methods", allow_header(methods));
    reply.with_header("Access-Control-Allow-Headers", "Content-Type");
    reply.with_header("Access-Control-Max-Age", "86400");
  }
  return reply;
}

}  // namespace cobble::api::detail

namespace cobble::api {

void finish_reply(Reply& reply) {
  if (reply.header("Cache-Control").empty()) reply.with_header("Cache-Control", "no-store");
}

}  // namespace cobble::api
