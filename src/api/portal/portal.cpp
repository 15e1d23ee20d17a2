#include "api/portal/portal.hpp"

#include <cctype>
#include <charconv>
#include <cstdint>

#include "api/portal/pages.hpp"
#include "api/router.hpp"

namespace cobble::api {
namespace {

using portal::Notice;

constexpr const char* kFormPath = "/sfe/v1/unpause";
constexpr const char* kSubmitPath = "/sfe/v1/do-unpause";
constexpr const char* kStatusPath = "/sfe/v1/unpause-status";

// No script at all; inline style only (the pages' one <style>); forms post only to this origin;
// never framed (clickjacking the button).
constexpr const char* kContentSecurityPolicy =
    "default-src 'none'; style-src 'self' 'unsafe-inline'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'";

portal::Language language_of(const Request& request) {
  return portal::negotiate_language(request.header("Accept-Language"));
}

Reply html(int status, std::string body) {
  Reply reply;
  reply.status = status;
  reply.content_type = "text/html; charset=utf-8";
  reply.body = std::move(body);
  return reply;
}

Reply notice(const Request& request, Notice notice) {
  int status = 400;
  switch (notice) {
    case Notice::expired_link:
      status = 200;
      break;  // as Boulder: a page, not a failure
    case Notice::invalid_link:
    case Notice::bad_count:
      status = 400;
      break;
    case Notice::cross_origin:
      status = 403;
      break;
    case Notice::internal_error:
      status = 500;
      break;
    case Notice::not_found:
      status = 404;
      break;
  }
  return html(status, portal::notice_page(language_of(request), notice));
}

Reply token_refusal(const Request& request, pause::TokenError error) {
  return notice(request, error == pause::TokenError::expired ? Notice::expired_link : Notice::invalid_link);
}

// Percent-encodes all but RFC 3986 unreserved characters (a verified token has no others).
std::string url_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// Cross-origin protection as Go's http.CrossOriginProtection (Boulder's SFE since 2025): browsers
// send Sec-Fetch-Site ("none" is a user-initiated request, not another site); older ones only
// Origin, compared with the origin the request addressed. Requests with neither (curl) pass.
bool same_origin(const Request& request) {
  auto site = request.header("Sec-Fetch-Site");
  if (!site.empty()) return iequals(site, "same-origin") || iequals(site, "none");
  auto origin = request.header("Origin");
  return origin.empty() || iequals(origin, request.base_url);
}

acme::Result<Reply> unpause_form(Context& ctx, const authority::Pauses& pauses) {
  auto jwt = query_param(ctx.request.query, "jwt");
  if (!jwt) return notice(ctx.request, Notice::invalid_link);
  auto claims = pauses.verify_link(*jwt);
  if (!claims) return token_refusal(ctx.request, claims.error());
  auto action = std::string(kSubmitPath) + "?jwt=" + url_encode(*jwt);
  auto reply =
      html(200, portal::form_page(language_of(ctx.request), claims->account_id, claims->identifiers, action));
  reply.log_account = std::to_string(claims->account_id);
  return reply;
}

acme::Result<Reply> do_unpause(Context& ctx, const authority::Pauses& pauses) {
  if (!same_origin(ctx.request)) return notice(ctx.request, Notice::cross_origin);
  // Boulder's form carries the token in the action's query, not in the body.
  auto jwt = query_param(ctx.request.query, "jwt");
  if (!jwt) jwt = query_param(ctx.request.body, "jwt");
  if (!jwt) return notice(ctx.request, Notice::invalid_link);
  auto claims = pauses.verify_link(*jwt);
  if (!claims) return token_refusal(ctx.request, claims.error());
  auto count = pauses.unpause_account(claims->account_id);
  if (!count) return notice(ctx.request, Notice::internal_error);  // the cause is logged by authority/
  auto reply = html(302, "");
  reply.with_header("Location", std::string(kStatusPath) + "?count=" + std::to_string(*count));
  reply.log_account = std::to_string(claims->account_id);
  return reply;
}

acme::Result<Reply> unpause_status(Context& ctx, const authority::Pauses& pauses) {
  auto text = query_param(ctx.request.query, "count").value_or("");
  std::uint64_t count = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), count);
  bool digits = !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
  if (!digits || ec != std::errc() || end != text.data() + text.size()) {
    return notice(ctx.request, Notice::bad_count);
  }
  return html(200, portal::status_page(language_of(ctx.request), count,
                                       pauses.settings().policy.max_unpaused_per_request));
}

constexpr Route<const authority::Pauses> kPortalRoutes[] = {
    {kFormPath, false, kGet, unpause_form},
    {kSubmitPath, false, kPost, do_unpause},
    {kStatusPath, false, kGet, unpause_status},
};

void add_security_headers(Reply& reply) {
  reply.with_header("Content-Security-Policy", kContentSecurityPolicy);
  reply.with_header("X-Frame-Options", "DENY");
  reply.with_header("X-Content-Type-Options", "nosniff");
  reply.with_header("Referrer-Policy", "no-referrer");  // the token is in the page's URL
  if (reply.header("Cache-Control").empty()) reply.with_header("Cache-Control", "no-store");
}

}  // namespace

Reply handle_portal(const Request& request, const authority::Pauses* pauses) {
  Reply reply;
  if (pauses == nullptr) {
    reply = notice(request, Notice::not_found);
  } else {
    reply = dispatch<const authority::Pauses>(kPortalRoutes, request, *pauses, PostBody::form);
    // The router's refusals (404, 405 + Allow, 415) are problem documents; people get a page.
    if (reply.content_type == "application/problem+json") {
      reply.content_type = "text/html; charset=utf-8";
      reply.body = portal::notice_page(language_of(request), Notice::not_found);
    }
  }
  add_security_headers(reply);
  return reply;
}

}  // namespace cobble::api
