#include "api/management.hpp"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "api/management_pause.hpp"
#include "api/management_renewal.hpp"
#include "api/router.hpp"
#include "common/clock.hpp"

namespace cobble::api {
namespace {

Reply pem_reply(const std::string& pem, const char* type) {
  Reply reply;
  reply.content_type = type;
  reply.body = pem;
  return reply;
}

// Cobble has one chain, index 0 (Pebble's alternate chains are a later issue).
acme::Result<Reply> chain_member(Context& ctx, const std::string& pem, const char* type) {
  if (ctx.id != "0") return acme::fail(acme::Problem::not_found("There is no chain " + std::string(ctx.id)));
  return pem_reply(pem, type);
}

acme::Result<Reply> healthz(Context&, ManagementServices&) {
  Reply reply;
  reply.content_type = "application/json";
  reply.body = R"({"status":"ok"})";
  return reply;
}

acme::Result<Reply> https_ca(Context&, ManagementServices& s) {
  return pem_reply(s.https_ca_pem, "application/pem-certificate-chain");
}
acme::Result<Reply> roots(Context& ctx, ManagementServices& s) {
  return chain_member(ctx, s.root_pem, "application/pem-certificate-chain");
}
acme::Result<Reply> root_keys(Context& ctx, ManagementServices& s) {
  return chain_member(ctx, s.root_key_pem, "application/x-pem-file");
}
acme::Result<Reply> intermediates(Context& ctx, ManagementServices& s) {
  return chain_member(ctx, s.intermediate_pem, "application/pem-certificate-chain");
}
acme::Result<Reply> intermediate_keys(Context& ctx, ManagementServices& s) {
  return chain_member(ctx, s.intermediate_key_pem, "application/x-pem-file");
}

// Pebble's shape: {"Status": "Valid"|"Revoked", "Serial", "Certificate", "Reason", "RevokedAt"}.
acme::Result<Reply> cert_status(Context& ctx, ManagementServices& s) {
  std::string serial(ctx.id);
  for (auto& c : serial) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
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
  reply.body = body.dump(2);
  return reply;
}

constexpr Route<ManagementServices> kManagementRoutes[] = {
    {"/healthz", false, kGet, false, healthz},
    {"/https-ca", false, kGet, false, https_ca},
    {"/roots/", true, kGet, false, roots},
    {"/root-keys/", true, kGet, false, root_keys},
    {"/intermediates/", true, kGet, false, intermediates},
    {"/intermediate-keys/", true, kGet, false, intermediate_keys},
    {"/cert-status-by-serial/", true, kGet, false, cert_status},
    {"/clock", false, kGet | kPost, false, clock},
    {"/pause", false, kPost, false, pause_pair},
    {"/unpause", false, kPost, false, unpause_account},
    {"/paused", false, kGet, false, paused},
    {"/metrics", false, kGet, false, metrics},
    {"/set-renewal-info/", false, kPost, false, set_renewal_info},
};

}  // namespace

Reply handle_management(const Request& request, ManagementServices& services) {
  return dispatch<ManagementServices>(kManagementRoutes, request, services, PostBody::json);
}

}  // namespace cobble::api
