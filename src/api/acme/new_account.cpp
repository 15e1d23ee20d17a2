#include "api/acme/handlers.hpp"
#include "api/acme/payload.hpp"
#include "api/acme/render.hpp"
#include "common/log.hpp"

namespace cobble::api {

// RFC 8555 §7.3: 201 + Location for a new account, 200 + Location for the key's existing one.
acme::Result<Reply> new_account(Context& ctx, Services& services, SignedRequest req) {
  if (req.post_as_get()) {
    return acme::fail(acme::Problem::malformed(
        "newAccount needs a JSON object payload (RFC 8555 §7.3), e.g. {\"termsOfServiceAgreed\": true}; "
        "an empty payload (POST-as-GET) creates nothing"));
  }
  authority::NewAccount wanted;
  auto contacts = payload::string_list_member(req.payload, "contact");
  if (!contacts) return acme::fail(contacts.error());
  wanted.contacts = *contacts;
  auto tos = payload::bool_member(req.payload, "termsOfServiceAgreed");
  if (!tos) return acme::fail(tos.error());
  wanted.terms_of_service_agreed = tos->value_or(false);
  auto only_existing = payload::bool_member(req.payload, "onlyReturnExisting");
  if (!only_existing) return acme::fail(only_existing.error());
  wanted.only_return_existing = only_existing->value_or(false);
  if (auto eab = req.payload.find("externalAccountBinding");
      req.payload.is_object() && eab != req.payload.end() && !eab->is_null()) {
    wanted.external_account_binding = *eab;
  }
  wanted.url = req.jws.url;
  wanted.client_address = ctx.request.remote_address;

  auto result = services.accounts.create_or_find(req.key, wanted);
  if (!result) return acme::fail(result.error());
  if (result->created) {
    common::log_event(spdlog::level::info, "account_created",
                      {{"account", result->account.id},
                       {"request_id", ctx.request.request_id},
                       {"remote", ctx.request.remote_address}},
                      "account {} created from {}", result->account.id, ctx.request.remote_address);
  }
  auto reply = json_reply(render_account(result->account, ctx.urls), result->created ? 201 : 200);
  reply.with_header("Location", ctx.urls.account(result->account.id));
  reply.log_account = std::to_string(result->account.id);
  return reply;
}

}  // namespace cobble::api
