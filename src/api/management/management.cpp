#include "api/management/management.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>
#include <optional>

#include "acme/json_text.hpp"
#include "api/management/admin.hpp"
#include "api/management/dashboard.hpp"
#include "api/management/metrics.hpp"
#include "api/management/pause.hpp"
#include "api/management/rate_limits.hpp"
#include "api/management/renewal.hpp"
#include "api/management/validations.hpp"
#include "api/router.hpp"
#include "common/clock.hpp"
#include "common/text.hpp"

namespace cobble::api {
namespace {

Reply pem_reply(const std::string& pem, const char* type) {
  Reply reply;
  reply.content_type = type;
  reply.body = pem;
  return reply;
}

// Pebble's /roots/{n} family: chain n's member, Link rel="alternate" to the same member of the
// other chains; a 404 problem beyond the last chain.
acme::Result<Reply> chain_member(Context& ctx, const ManagementServices& s, std::string CaChainPems::*member,
                                 const char* type) {
  std::size_t n = 0;
  auto [end, ec] = std::from_chars(ctx.id.data(), ctx.id.data() + ctx.id.size(), n);
  if (ec != std::errc() || end != ctx.id.data() + ctx.id.size() || n >= s.chains.size()) {
    return acme::fail(acme::Problem::not_found("There is no chain " + std::string(ctx.id) + " (chains 0 to " +
                                               std::to_string(s.chains.size() - 1) + ")"));
  }
  auto reply = pem_reply(s.chains[n].*member, type);
  auto prefix = ctx.request.path.substr(0, ctx.request.path.size() - ctx.id.size());
  for (std::size_t other = 0; other < s.chains.size(); ++other) {
    if (other != n)
      reply.with_header("Link",
                        "<" + ctx.urls.base() + prefix + std::to_string(other) + ">;rel=\"alternate\"");
  }
  return reply;
}

acme::Result<Reply> healthz(Context&, ManagementServices&) {
  Reply reply;
  reply.content_type = "application/json";
  reply.body = R"({"status":"ok"})";
  return reply;
}

// Readiness (load balancers, orchestrators): 200 when every check holds, else 503; the body says
// which held and why not. /healthz stays a liveness check that touches nothing.
acme::Result<Reply> readyz(Context&, ManagementServices& s) {
  auto checks = s.readiness ? s.readiness() : std::vector<ReadinessCheck>{};
  bool ready = true;
  nlohmann::json list = nlohmann::json::array();
  for (const auto& check : checks) {
    ready = ready && check.ok;
    list.push_back({{"name", check.name}, {"ok", check.ok}, {"detail", check.detail}});
  }
  Reply reply;
  reply.status = ready ? 200 : 503;
  reply.content_type = "application/json";
  reply.body = acme::json_text({{"status", ready ? "ready" : "not ready"}, {"checks", std::move(list)}}, 2);
  return reply;
}

acme::Result<Reply> https_ca(Context&, ManagementServices& s) {
  return pem_reply(s.https_ca_pem, "application/pem-certificate-chain");
}
acme::Result<Reply> roots(Context& ctx, ManagementServices& s) {
  return chain_member(ctx, s, &CaChainPems::root, "application/pem-certificate-chain");
}
acme::Result<Reply> root_keys(Context& ctx, ManagementServices& s) {
  return chain_member(ctx, s, &CaChainPems::root_key, "application/x-pem-file");
}
acme::Result<Reply> intermediates(Context& ctx, ManagementServices& s) {
  return chain_member(ctx, s, &CaChainPems::intermediate, "application/pem-certificate-chain");
}
acme::Result<Reply> intermediate_keys(Context& ctx, ManagementServices& s) {
  return chain_member(ctx, s, &CaChainPems::intermediate_key, "application/x-pem-file");
}

// Pebble's shape: {"Status": "Valid"|"Revoked", "Serial", "Certificate", "Reason", "RevokedAt"}.
acme::Result<Reply> cert_status(Context& ctx, ManagementServices& s) {
  auto serial = common::ascii_lower(ctx.id);
  if (serial.find_first_not_of("0123456789abcdef") != std::string::npos) {
    return acme::fail(acme::Problem::malformed("The serial must be hexadecimal"));
  }
  // Serials are kept without leading zeros; accept them padded (openssl prints whole bytes).
  serial.erase(0, std::min(serial.find_first_not_of('0'), serial.size() - 1));
  auto cert = s.certificates.find(serial);
  if (!cert) return acme::fail(cert.error());
  nlohmann::json body = {
      {"Status", cert->revoked_at ? "Revoked" : "Valid"},
      {"Serial", cert->serial},
      {"Certificate", cert->chain_pem.substr(0, cert->chain_pem.find("-----END CERTIFICATE-----") + 26)}};
  if (cert->revoked_at) {
    body["Reason"] = cert->revocation_reason;
    body["RevokedAt"] = common::to_rfc3339(*cert->revoked_at);
  }
  Reply reply;
  reply.content_type = "application/json";
  reply.body = acme::json_text(body, 2);
  return reply;
}

constexpr Route<ManagementServices> kManagementRoutes[] = {
    {"/healthz", false, kGet, healthz},
    {"/readyz", false, kGet, readyz},
    {"/https-ca", false, kGet, https_ca},
    {"/roots/", true, kGet, roots},
    {"/root-keys/", true, kGet, root_keys},
    {"/intermediates/", true, kGet, intermediates},
    {"/intermediate-keys/", true, kGet, intermediate_keys},
    {"/cert-status-by-serial/", true, kGet, cert_status},
    {"/clock", false, kGet | kPost, clock},
    {"/pause", false, kPost, pause_pair},
    {"/unpause", false, kPost, unpause_account},
    {"/paused", false, kGet, paused},
    {"/validations", false, kGet, validations},
    {"/rate-limits", false, kGet, rate_limit_buckets},
    {"/rate-limits/reset", false, kPost, reset_rate_limits},
    {"/rate-limits/override", false, kPost, override_rate_limit},
    {"/metrics", false, kGet, metrics},
    {"/chaos", false, kGet | kPost, chaos_settings},
    {"/reset", false, kPost, reset},
    {"/log-level", false, kGet | kPost, log_level},
    {"/set-renewal-info/", false, kPost, set_renewal_info},
    {"/dashboard", false, kGet, dashboard_page},
    {"/dashboard/app.js", false, kGet, dashboard_script},
    {"/dashboard/style.css", false, kGet, dashboard_style},
    {"/dashboard/api/series", false, kGet, dashboard_series},
    {"/dashboard/api/pairs", false, kGet, dashboard_pairs},
    {"/dashboard/api/accounts", false, kGet, dashboard_accounts},
};

// What anyone may read without the token: the health check, the public certificates, and the
// dashboard's page, script and style (no figures: the page asks for the token when its JSON is
// refused).
bool public_read(const Request& request) {
  if (request.method != "GET" && request.method != "HEAD") return false;
  const auto& p = request.path;
  return p == "/healthz" || p == "/readyz" || p == "/https-ca" || p.starts_with("/roots/") ||
         p.starts_with("/intermediates/") || p.starts_with("/cert-status-by-serial/") || p == "/dashboard" ||
         p == "/dashboard/app.js" || p == "/dashboard/style.css";
}

bool same_bytes(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// A browser names the page a request comes from (Origin, Sec-Fetch-Site); scripts send neither.
std::optional<acme::Problem> cross_origin_refusal(const Request& request) {
  auto origin = request.header("Origin");
  auto site = request.header("Sec-Fetch-Site");
  bool foreign_origin = !origin.empty() && origin != request.base_url;
  bool foreign_site = !site.empty() && site != "same-origin" && site != "none";
  if (!foreign_origin && !foreign_site) return std::nullopt;
  return acme::Problem::unauthorized(
      "The management API does not answer requests made by web pages of other origins");
}

std::optional<acme::Problem> token_refusal(const Request& request, const ManagementServices& s) {
  if (s.token.empty() || public_read(request)) return std::nullopt;
  auto given = request.header("Authorization");
  constexpr std::string_view kScheme = "Bearer ";
  if (given.size() > kScheme.size() && iequals(given.substr(0, kScheme.size()), kScheme) &&
      same_bytes(given.substr(kScheme.size()), s.token)) {
    return std::nullopt;
  }
  auto problem = acme::Problem::unauthorized(
      given.empty() ? "This endpoint needs the management token: send \"Authorization: Bearer <token>\""
                    : "The management token in the Authorization header is not the right one");
  return problem.with_status(401).with_header("WWW-Authenticate", "Bearer realm=\"cobble management\"");
}

}  // namespace

Reply handle_management(const Request& request, ManagementServices& services) {
  auto refusal = cross_origin_refusal(request);
  if (!refusal) refusal = token_refusal(request, services);
  if (refusal) {
    auto reply = problem_reply(*refusal);
    reply.with_header("Cache-Control", "no-store");
    return reply;
  }
  return dispatch<ManagementServices>(kManagementRoutes, request, services, PostBody::json);
}

}  // namespace cobble::api
