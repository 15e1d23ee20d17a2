#include <charconv>

#include "api/acme/handlers.hpp"
#include "api/acme/payload.hpp"
#include "api/acme/render.hpp"

namespace cobble::api {
namespace {

// §7.1.2.1: the account's orders, a page at a time, "Link: rel=next" while more follow.
acme::Result<Reply> orders_list(Context& ctx, Services& services, const authority::Account& account) {
  std::size_t cursor = 0;
  if (ctx.request.query.starts_with("cursor=")) {
    auto text = std::string_view(ctx.request.query).substr(7);
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), cursor);
    if (ec != std::errc() || end != text.data() + text.size())
      return acme::fail(acme::Problem::malformed("Bad cursor"));
  }
  auto page = services.orders_per_page;
  auto ids = services.orders.list(account, cursor, page + 1);
  if (!ids) return acme::fail(ids.error());
  nlohmann::json body = {{"orders", nlohmann::json::array()}};
  for (std::size_t i = 0; i < ids->size() && i < page; ++i)
    body["orders"].push_back(ctx.urls.order((*ids)[i]));
  auto reply = json_reply(body);
  if (ids->size() > page) {
    reply.with_header("Link", "<" + ctx.urls.account_orders(account.id) +
                                  "?cursor=" + std::to_string(cursor + page) + ">;rel=\"next\"");
  }
  return reply;
}

}  // namespace

// §7.3.2 (update), §7.3.6 (deactivate), POST-as-GET; and /orders below it.
acme::Result<Reply> account(Context& ctx, Services& services, SignedRequest req) {
  std::string_view id = ctx.id;
  bool orders = id.ends_with("/orders");
  if (orders) id.remove_suffix(7);
  if (id != std::to_string(req.account->id)) {
    return acme::fail(
        acme::Problem::unauthorized("The request is signed by another account than " + std::string(ctx.id)));
  }
  if (orders) return orders_list(ctx, services, *req.account);

  authority::AccountUpdate update;
  auto contacts = payload::string_list_member(req.payload, "contact");
  if (!contacts) return acme::fail(contacts.error());
  update.contacts = *contacts;
  auto status = payload::string_member(req.payload, "status");
  if (!status) return acme::fail(status.error());
  auto asked = *status ? acme::parse_account_status(**status) : std::nullopt;
  if (*status && asked != acme::AccountStatus::deactivated && asked != req.account->status) {
    return acme::fail(acme::Problem::malformed("An account's status can only be changed to \"deactivated\""));
  }
  update.deactivate = asked == acme::AccountStatus::deactivated;
  auto updated = services.accounts.update(*req.account, update);
  if (!updated) return acme::fail(updated.error());
  auto reply = json_reply(render_account(*updated, ctx.urls));
  return reply;
}

}  // namespace cobble::api
