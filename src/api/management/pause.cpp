// Management endpoints for time and pausing: what tests and operators drive (issue #5).
#include "api/management/pause.hpp"

#include <nlohmann/json.hpp>

#include "api/json_reply.hpp"
#include "api/management/validations.hpp"

namespace cobble::api {
namespace {

using acme::Problem;

acme::Result<nlohmann::json> json_body(const Request& request) {
  auto body = nlohmann::json::parse(request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object())
    return acme::fail(Problem::malformed("The body must be a JSON object"));
  return body;
}

acme::Result<std::int64_t> account_member(const nlohmann::json& body) {
  if (!body.contains("account") || !body["account"].is_number_integer() ||
      body["account"].get<std::int64_t>() <= 0) {
    return acme::fail(Problem::malformed("\"account\" must be a positive account id"));
  }
  return body["account"].get<std::int64_t>();
}

nlohmann::json clock_json(const common::Clock& clock) { return {{"now", common::to_rfc3339(clock.now())}}; }

acme::Result<void> need_pauses(const ManagementServices& s) {
  if (!s.pauses) return acme::fail(Problem::server_internal("Pausing is not configured on this server"));
  return {};
}

const char* effect_name(storage::PauseEffect effect) {
  switch (effect) {
    case storage::PauseEffect::paused:
      return "paused";
    case storage::PauseEffect::repaused:
      return "repaused";
    case storage::PauseEffect::skipped_for_grace:
      return "skippedForGrace";
    case storage::PauseEffect::already_paused:
      return "alreadyPaused";
    default:
      return "none";
  }
}

}  // namespace

// GET: {"now"}. POST {"set": RFC 3339} or {"advance": seconds}: moves the fake clock.
acme::Result<Reply> clock(Context& ctx, ManagementServices& s) {
  if (!s.clock) return acme::fail(Problem::server_internal("No clock is configured"));
  if (ctx.request.method != "POST") return json_reply(clock_json(*s.clock));
  if (!s.fake_clock)
    return acme::fail(Problem::malformed("Start cobble with --fake-clock to move time").with_status(409));
  auto body = json_body(ctx.request);
  if (!body) return acme::fail(body.error());
  if (body->contains("set") && (*body)["set"].is_string()) {
    auto t = common::parse_rfc3339((*body)["set"].get<std::string>());
    if (!t) return acme::fail(Problem::malformed("\"set\" must be an RFC 3339 time"));
    s.fake_clock->set(*t);
  } else if (body->contains("advance") && (*body)["advance"].is_number()) {
    auto seconds = (*body)["advance"].get<double>();
    if (seconds < 0 || seconds > 1e10)
      return acme::fail(Problem::malformed("\"advance\" must be 0..1e10 seconds"));
    s.fake_clock->advance(std::chrono::duration_cast<std::chrono::system_clock::duration>(
        std::chrono::duration<double>(seconds)));
  } else {
    return acme::fail(Problem::malformed("Give {\"set\": \"<RFC 3339>\"} or {\"advance\": <seconds>}"));
  }
  if (s.share_setting) {
    auto micros =
        std::chrono::duration_cast<std::chrono::microseconds>(s.fake_clock->now().time_since_epoch());
    s.share_setting("clock", std::to_string(micros.count()));
  }
  return json_reply(clock_json(*s.clock));
}

// POST {"account": id, "identifier": "dns:example.com"}
acme::Result<Reply> pause_pair(Context& ctx, ManagementServices& s) {
  if (auto ok = need_pauses(s); !ok) return acme::fail(ok.error());
  auto body = json_body(ctx.request);
  if (!body) return acme::fail(body.error());
  auto account = account_member(*body);
  if (!account) return acme::fail(account.error());
  auto member = body->find("identifier");
  auto text = member != body->end() && member->is_string() ? member->get<std::string>() : std::string();
  auto identifier = authority::parse_pair_identifier(text);
  if (!identifier) return acme::fail(Problem::malformed("\"identifier\" must look like \"dns:example.com\""));
  auto effect = s.pauses->pause_pair(*account, *identifier);
  if (!effect) return acme::fail(effect.error());
  return json_reply({{"account", *account}, {"identifier", text}, {"result", effect_name(*effect)}});
}

// POST {"account": id}: unpauses every paused pair of the account (all batches).
acme::Result<Reply> unpause_account(Context& ctx, ManagementServices& s) {
  if (auto ok = need_pauses(s); !ok) return acme::fail(ok.error());
  auto body = json_body(ctx.request);
  if (!body) return acme::fail(body.error());
  auto account = account_member(*body);
  if (!account) return acme::fail(account.error());
  std::size_t total = 0;
  for (;;) {
    auto done = s.pauses->unpause_account(*account);
    if (!done) return acme::fail(done.error());
    total += *done;
    if (*done < s.pauses->settings().policy.max_unpaused_per_request) break;
  }
  return json_reply({{"account", *account}, {"unpaused", total}});
}

// GET /paused?account=N: that account's paused identifiers (up to 1000).
acme::Result<Reply> paused(Context& ctx, ManagementServices& s) {
  if (auto ok = need_pauses(s); !ok) return acme::fail(ok.error());
  auto account = account_param(ctx.request.query);
  if (!account) return acme::fail(account.error());
  auto ids = s.pauses->paused_identifiers(*account, 1000);
  if (!ids) return acme::fail(ids.error());
  return json_reply({{"account", *account}, {"paused", *ids}});
}

}  // namespace cobble::api
