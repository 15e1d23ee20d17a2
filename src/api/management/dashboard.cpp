#include "api/management/dashboard.hpp"

#include <string_view>

#include "api/management/dashboard_assets.hpp"

namespace cobble::api {
namespace {

// Script, style and fetches from this origin only; no inline script or style (the page draws its
// plots as SVG elements, styled by class); data: images for the favicon; never framed; no forms
// submitted anywhere (the token field is read by the script).
constexpr const char* kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

Reply asset(std::string_view body, const char* content_type) {
  Reply reply;
  reply.content_type = content_type;
  reply.body = std::string(body);
  reply.with_header("Content-Security-Policy", kContentSecurityPolicy);
  reply.with_header("X-Content-Type-Options", "nosniff");
  reply.with_header("X-Frame-Options", "DENY");
  reply.with_header("Referrer-Policy", "no-referrer");
  return reply;
}

}  // namespace

acme::Result<Reply> dashboard_page(Context&, ManagementServices&) {
  return asset(dashboard_assets::kPage, "text/html; charset=utf-8");
}

acme::Result<Reply> dashboard_script(Context&, ManagementServices&) {
  return asset(dashboard_assets::kScript, "text/javascript; charset=utf-8");
}

acme::Result<Reply> dashboard_style(Context&, ManagementServices&) {
  return asset(dashboard_assets::kStyle, "text/css; charset=utf-8");
}

}  // namespace cobble::api
