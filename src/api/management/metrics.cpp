// What /metrics shows. Each block names the figures of one owner; names follow Prometheus'
// conventions (cobble_ prefix, _total counters, _seconds durations, base units).
#include "api/management/metrics.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <string>

#include "authority/activity.hpp"
#include "metrics/text_format.hpp"

namespace cobble::api {
namespace {

using metrics::Label;
using metrics::TextWriter;
using metrics::Type;

void counter(TextWriter& out, std::string_view name, std::string_view help, std::uint64_t value) {
  out.family(name, Type::counter, help);
  out.sample(name, value);
}

void gauge(TextWriter& out, std::string_view name, std::string_view help, std::uint64_t value) {
  out.family(name, Type::gauge, help);
  out.sample(name, value);
}

// The pause figures: from the database when it keeps them (every instance's, since the database was
// made: they survive restarts), else this process's since it started.
void write_pauses(TextWriter& out, const authority::Pauses& pauses,
                  const std::optional<std::map<std::string, std::int64_t>>& totals) {
  const auto& c = pauses.counters();
  auto figure = [&](std::string_view series, const std::atomic<std::uint64_t>& own) -> std::uint64_t {
    if (!totals) return own.load();
    auto found = totals->find(std::string(series));
    return found == totals->end() ? 0 : static_cast<std::uint64_t>(std::max<std::int64_t>(0, found->second));
  };
  std::string scope =
      totals ? " Every instance's, since the database was made." : " This process's, since it started.";
  namespace series = authority::series;
  counter(out, "cobble_pause_paused_total", "Pairs paused after repeated failed validations." + scope,
          figure(series::kPaused, c.paused));
  counter(out, "cobble_pause_repaused_total", "Pairs paused again after an unpause." + scope,
          figure(series::kRepaused, c.repaused));
  counter(out, "cobble_pause_skipped_for_grace_total",
          "Pauses skipped because the pair was unpaused recently." + scope,
          figure(series::kSkippedForGrace, c.skipped_for_grace));
  counter(out, "cobble_pause_unpaused_total",
          "Pairs unpaused through the portal or the management API." + scope,
          figure(series::kUnpaused, c.unpaused));
  counter(out, "cobble_pause_refused_orders_total",
          "New orders refused because an identifier was paused." + scope,
          figure(series::kRefusedOrders, c.refused_orders));
}

void write_rate_limits(TextWriter& out, const authority::RateLimits& rate_limits) {
  const auto& c = rate_limits.counters();
  out.family("cobble_rate_limit_decisions_total", Type::counter,
             "Rate-limit checks per limit and decision (allowed, denied, or failed_open when the store "
             "failed), since start.");
  for (const auto& [name, counts] : c.per_limit) {
    auto limit = ratelimit::to_string(name);
    auto decision = [&](std::string_view d, std::uint64_t value) {
      Label labels[] = {{"limit", limit}, {"decision", d}};
      out.sample("cobble_rate_limit_decisions_total", labels, value);
    };
    decision("allowed", counts.allowed.load());
    decision("denied", counts.denied.load());
    decision("failed_open", counts.failed_open.load());
  }
  counter(out, "cobble_rate_limit_failed_open_total",
          "Requests let through because the rate-limit store failed (fail open).", c.failed_open.load());
}

void write_listeners(TextWriter& out, const std::vector<ListenerFigures>& listeners) {
  auto per_listener = [&](std::string_view name, Type type, std::string_view help,
                          std::uint64_t ListenerFigures::*member) {
    out.family(name, type, help);
    for (const auto& l : listeners) {
      Label labels[] = {{"listener", l.listener}};
      out.sample(name, labels, l.*member);
    }
  };
  per_listener("cobble_connections_open", Type::gauge, "Connections open now, per listener.",
               &ListenerFigures::open);
  per_listener("cobble_connections_accepted_total", Type::counter,
               "Connections accepted and served, per listener.", &ListenerFigures::accepted);
  out.family("cobble_connections_refused_total", Type::counter,
             "Connections closed at once because a connection cap was reached, per listener and cap.");
  for (const auto& l : listeners) {
    Label listener_cap[] = {{"listener", l.listener}, {"cap", "listener"}};
    out.sample("cobble_connections_refused_total", listener_cap, l.refused_listener_full);
    Label address_cap[] = {{"listener", l.listener}, {"cap", "address"}};
    out.sample("cobble_connections_refused_total", address_cap, l.refused_address_full);
  }
  per_listener("cobble_accept_errors_total", Type::counter,
               "Failed accepts (e.g. out of file descriptors), per listener.",
               &ListenerFigures::accept_errors);
}

// Read from the database: the same on every instance of a deployment, and across restarts.
void write_deployment(TextWriter& out, const DeploymentFigures& figures) {
  gauge(out, "cobble_deployment_accounts", "Accounts in the database (every instance's).", figures.accounts);
  gauge(out, "cobble_deployment_certificates", "Certificates issued, in the database.", figures.certificates);
  gauge(out, "cobble_deployment_paused_pairs", "(account, identifier) pairs paused now.",
        figures.paused_pairs);
  out.family("cobble_deployment_validations_leased", Type::gauge,
             "Validations in progress, per instance holding their lease.");
  for (const auto& [instance, n] : figures.leased_validations) {
    Label labels[] = {{"instance", instance}};
    out.sample("cobble_deployment_validations_leased", labels, n);
  }
}

}  // namespace

acme::Result<Reply> metrics(Context&, ManagementServices& s) {
  TextWriter out;
  if (s.instruments) metrics::write_instruments(out, *s.instruments);
  if (s.pauses) write_pauses(out, *s.pauses, s.event_totals ? s.event_totals() : std::nullopt);
  if (s.rate_limits && s.rate_limits->enabled()) write_rate_limits(out, *s.rate_limits);
  if (s.listener_stats) write_listeners(out, s.listener_stats());
  if (s.validations_accepted) {
    gauge(out, "cobble_validations_queued",
          "Validations accepted and not yet recorded (waiting, running or "
          "being recorded).",
          s.validations_accepted());
  }
  if (s.nonces_outstanding) {
    gauge(out, "cobble_nonces_outstanding",
          "Nonces handed out and not yet used or forgotten (this instance's "
          "nonce store).",
          s.nonces_outstanding());
  }
  if (s.database_round_trips) {
    counter(out, "cobble_database_round_trips_total", "Statements this instance sent to the database server.",
            s.database_round_trips());
  }
  if (s.transaction_durations) {
    out.histograms("cobble_database_transaction_duration_seconds",
                   "Time from BEGIN to COMMIT or ROLLBACK of the database's write transactions, by outcome.",
                   *s.transaction_durations);
  }
  if (s.deployment_figures) {
    if (auto figures = s.deployment_figures()) write_deployment(out, *figures);
  }
  Reply reply;
  reply.content_type = std::string(TextWriter::kContentType);
  reply.body = out.take();
  return reply;
}

}  // namespace cobble::api
