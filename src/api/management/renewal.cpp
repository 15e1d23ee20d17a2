#include "api/management/renewal.hpp"

#include <nlohmann/json.hpp>

#include "acme/json_text.hpp"
#include "api/json_reply.hpp"

namespace cobble::api {
namespace {

using acme::Problem;

// Pebble's shape: the certificate as PEM and any text as the answer.
acme::Result<Reply> set_from_certificate(const nlohmann::json& body, const authority::RenewalInfo& renewals) {
  if (!body["Certificate"].is_string() || !body.contains("ARIResponse") || !body["ARIResponse"].is_string()) {
    return acme::fail(Problem::malformed("\"Certificate\" (PEM) and \"ARIResponse\" (text) must be strings"));
  }
  if (auto set = renewals.set_override_for_pem(body["Certificate"].get<std::string>(),
                                               body["ARIResponse"].get<std::string>());
      !set) {
    return acme::fail(set.error());
  }
  Reply reply;
  reply.status = 200;
  return reply;
}

acme::Result<Reply> set_from_window(const nlohmann::json& body, const authority::RenewalInfo& renewals) {
  if (!body["certID"].is_string()) return acme::fail(Problem::malformed("\"certID\" must be a string"));
  auto cert = renewals.certificate(body["certID"].get<std::string>());
  if (!cert) return acme::fail(cert.error());
  const auto& window = body.contains("suggestedWindow") ? body["suggestedWindow"] : nlohmann::json();
  auto time_of = [&](const char* name) -> std::optional<common::TimePoint> {
    if (!window.is_object() || !window.contains(name) || !window[name].is_string()) return std::nullopt;
    return common::parse_rfc3339(window[name].get<std::string>());
  };
  auto start = time_of("start");
  auto end = time_of("end");
  if (!start || !end) {
    return acme::fail(
        Problem::malformed("\"suggestedWindow\" needs \"start\" and \"end\" as RFC 3339 date-times"));
  }
  // RFC 9773 §4.2: a window whose end is not after its start is invalid; never serve one.
  if (*end <= *start) return acme::fail(Problem::malformed("\"suggestedWindow\" must end after it starts"));
  nlohmann::json answer = {
      {"suggestedWindow", {{"start", common::to_rfc3339(*start)}, {"end", common::to_rfc3339(*end)}}}};
  if (body.contains("explanationURL")) {
    if (!body["explanationURL"].is_string())
      return acme::fail(Problem::malformed("\"explanationURL\" must be a string"));
    answer["explanationURL"] = body["explanationURL"];
  }
  if (auto set = renewals.set_override(cert->serial, acme::json_text(answer, 2)); !set)
    return acme::fail(set.error());
  return json_reply(answer);
}

}  // namespace

acme::Result<Reply> set_renewal_info(Context& ctx, ManagementServices& s) {
  if (!s.renewal_info) return acme::fail(Problem::not_found("Renewal information is off"));
  auto body = nlohmann::json::parse(ctx.request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object())
    return acme::fail(Problem::malformed("The body must be a JSON object"));
  if (body.contains("Certificate")) return set_from_certificate(body, *s.renewal_info);
  if (body.contains("certID")) return set_from_window(body, *s.renewal_info);
  return acme::fail(Problem::malformed(
      "Give {\"certID\", \"suggestedWindow\": {\"start\", \"end\"}} or Pebble's {\"Certificate\", "
      "\"ARIResponse\"}"));
}

}  // namespace cobble::api
