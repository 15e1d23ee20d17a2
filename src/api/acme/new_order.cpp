#include "acme/identifiers.hpp"
#include "api/acme/handlers.hpp"
#include "api/acme/payload.hpp"
#include "api/acme/render.hpp"
#include "authority/profiles.hpp"
#include "common/log.hpp"

namespace cobble::api {
namespace {

acme::Result<std::optional<common::TimePoint>> time_member(const nlohmann::json& payload, const char* name) {
  auto text = payload::string_member(payload, name);
  if (!text) return acme::fail(text.error());
  if (!*text) return std::optional<common::TimePoint>{};
  auto t = common::parse_rfc3339(**text);
  if (!t)
    return acme::fail(acme::Problem::malformed(std::string("\"") + name + "\" is not an RFC 3339 date-time"));
  return std::optional<common::TimePoint>{*t};
}

}  // namespace

// RFC 8555 §7.4: 201 + Location with the new order.
acme::Result<Reply> new_order(Context& ctx, Services& services, SignedRequest req) {
  if (req.post_as_get() || !req.payload.contains("identifiers")) {
    return acme::fail(acme::Problem::malformed("A new order needs \"identifiers\""));
  }
  authority::NewOrder wanted;
  auto ids = acme::decode_identifiers(req.payload["identifiers"],
                                      authority::largest_identifier_limit(services.policy));
  if (!ids) return acme::fail(ids.error());
  wanted.identifiers = std::move(*ids);
  auto not_before = time_member(req.payload, "notBefore");
  if (!not_before) return acme::fail(not_before.error());
  wanted.not_before = *not_before;
  auto not_after = time_member(req.payload, "notAfter");
  if (!not_after) return acme::fail(not_after.error());
  wanted.not_after = *not_after;
  wanted.acme_base_url = ctx.urls.base();
  auto profile = payload::string_member(req.payload, "profile");
  if (!profile) return acme::fail(profile.error());
  wanted.profile = profile->value_or("");
  auto replaces = payload::string_member(req.payload, "replaces");
  if (!replaces) return acme::fail(replaces.error());
  wanted.replaces = replaces->value_or("");
  if (replaces->has_value() && wanted.replaces.empty()) {
    return acme::fail(acme::Problem::malformed("\"replaces\" must be a certID, not empty (RFC 9773 §5)"));
  }

  auto order = services.orders.create(*req.account, wanted);
  if (!order) {
    // The problem's type, never its detail: a paused pair's detail carries the unpause link.
    std::string names;
    for (const auto& id : wanted.identifiers) names += (names.empty() ? "" : ",") + id.value;
    auto problem = acme::urn(order.error().type);
    common::log_event(spdlog::level::info, "order_refused",
                      {{"account", req.account->id},
                       {"identifier", names},
                       {"problem", problem},
                       {"request_id", ctx.request.request_id}},
                      "newOrder of account {} for {} refused: {}", req.account->id, names, problem);
    return acme::fail(order.error());
  }
  auto reply = json_reply(render_order(*order, ctx.urls), 201);
  reply.with_header("Location", ctx.urls.order(order->order.id));
  return reply;
}

}  // namespace cobble::api
