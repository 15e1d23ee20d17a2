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

// Prometheus text format: pause events, connections and the validation queue since start.
acme::Result<Reply> metrics(Context&, ManagementServices& s) {
  std::string body;
  auto family = [&body](const char* name, const char* type, const char* help) {
    body += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
  };
  auto sample = [&body](const std::string& name, std::uint64_t value) {
    body += name + " " + std::to_string(value) + "\n";
  };
  auto counter = [&](const char* name, const char* help, std::uint64_t value) {
    family(name, "counter", help);
    sample(name, value);
  };
  if (s.pauses) {
    const auto& c = s.pauses->counters();
    counter("cobble_pause_paused_total", "Pairs paused after repeated failed validations.", c.paused.load());
    counter("cobble_pause_repaused_total", "Pairs paused again after an unpause.", c.repaused.load());
    counter("cobble_pause_skipped_for_grace_total", "Pauses skipped because the pair was unpaused recently.",
            c.skipped_for_grace.load());
    counter("cobble_pause_unpaused_total", "Pairs unpaused through the portal or the management API.",
            c.unpaused.load());
    counter("cobble_pause_refused_orders_total", "New orders refused because an identifier was paused.",
            c.refused_orders.load());
  }
  if (s.rate_limits && s.rate_limits->enabled()) {
    const auto& c = s.rate_limits->counters();
    family(
        "cobble_rate_limit_decisions_total", "counter",
        "Rate-limit checks per limit and decision (allowed, denied, or failed_open when the store failed), "
        "since start.");
    for (const auto& [name, counts] : c.per_limit) {
      std::string label = "{limit=\"" + std::string(ratelimit::to_string(name)) + "\",decision=";
      sample("cobble_rate_limit_decisions_total" + label + "\"allowed\"}", counts.allowed.load());
      sample("cobble_rate_limit_decisions_total" + label + "\"denied\"}", counts.denied.load());
      sample("cobble_rate_limit_decisions_total" + label + "\"failed_open\"}", counts.failed_open.load());
    }
    counter("cobble_rate_limit_failed_open_total",
            "Requests let through because the rate-limit store failed (fail open).", c.failed_open.load());
  }
  if (s.listener_stats) {
    auto listeners = s.listener_stats();
    auto label = [](const ListenerFigures& l) { return "{listener=\"" + l.listener + "\"}"; };
    family("cobble_connections_open", "gauge", "Connections open now, per listener.");
    for (const auto& l : listeners) sample("cobble_connections_open" + label(l), l.open);
    family("cobble_connections_accepted_total", "counter", "Connections accepted and served, per listener.");
    for (const auto& l : listeners) sample("cobble_connections_accepted_total" + label(l), l.accepted);
    family("cobble_connections_refused_total", "counter",
           "Connections closed at once because a connection cap was reached, per listener and cap.");
    for (const auto& l : listeners) {
      sample("cobble_connections_refused_total{listener=\"" + l.listener + "\",cap=\"listener\"}",
             l.refused_listener_full);
      sample("cobble_connections_refused_total{listener=\"" + l.listener + "\",cap=\"address\"}",
             l.refused_address_full);
    }
    family("cobble_accept_errors_total", "counter",
           "Failed accepts (e.g. out of file descriptors), per listener.");
    for (const auto& l : listeners) sample("cobble_accept_errors_total" + label(l), l.accept_errors);
  }
  if (s.validations_accepted) {
    family("cobble_validations_queued", "gauge", "Validations accepted and not yet recorded.");
    sample("cobble_validations_queued", s.validations_accepted());
  }
  if (s.database_round_trips) {
    counter("cobble_database_round_trips_total", "Statements this instance sent to the database server.",
            s.database_round_trips());
  }
  if (s.deployment_figures) {
    // Read from the database: the same on every instance of a deployment, and across restarts.
    if (auto figures = s.deployment_figures()) {
      family("cobble_deployment_accounts", "gauge", "Accounts in the database (every instance's).");
      sample("cobble_deployment_accounts", figures->accounts);
      family("cobble_deployment_certificates", "gauge", "Certificates issued, in the database.");
      sample("cobble_deployment_certificates", figures->certificates);
      family("cobble_deployment_paused_pairs", "gauge", "(account, identifier) pairs paused now.");
      sample("cobble_deployment_paused_pairs", figures->paused_pairs);
      family("cobble_deployment_validations_leased", "gauge",
             "Validations in progress, per instance holding their lease.");
      for (const auto& [instance, n] : figures->leased_validations) {
        sample("cobble_deployment_validations_leased{instance=\"" + instance + "\"}", n);
      }
    }
  }
  Reply reply;
  reply.content_type = "text/plain; version=0.0.4";
  reply.body = std::move(body);
  return reply;
}

}  // namespace cobble::api
