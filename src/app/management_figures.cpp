// The management API's view of the running server (/metrics, /readyz), apart from building it.
#include "app/management_figures.hpp"

#include <spdlog/spdlog.h>

namespace cobble::app {

void show_figures(api::ManagementServices& management, const Components& c, FigureSettings settings) {
  management.validations_accepted = [scheduler = c.scheduler.get()] { return scheduler->accepted(); };
  management.instruments = c.instruments;
  if (!settings.shared)
    management.nonces_outstanding = [nonces = &c.nonces] { return nonces->outstanding(); };
  if (settings.metrics) management.transaction_durations = c.store->transaction_durations();
  if (settings.shared)
    management.database_round_trips = [store = c.store.get()] { return store->database_round_trips(); };
  management.readiness = [store = c.store.get(), scheduler = c.scheduler.get(),
                          waiting = settings.max_waiting] {
    std::vector<api::ReadinessCheck> checks;
    auto version = store->read_schema_version();
    checks.push_back({"database", version.has_value(),
                      version ? "answers" : "cannot be read: " + version.error().message});
    if (version) {
      bool current = *version == storage::latest_schema_version();
      checks.push_back({"migrations", current,
                        "schema version " + std::to_string(*version) +
                            (current ? "" : ", this cobble expects ") +
                            (current ? "" : std::to_string(storage::latest_schema_version()))});
    }
    auto accepted = scheduler->accepted();
    bool room = accepted < waiting * 9 / 10;
    checks.push_back({"validations", room,
                      std::to_string(accepted) + " accepted and not yet recorded, of " +
                          std::to_string(waiting) + (room ? "" : ": nearly full, new challenges get 503")});
    return checks;
  };
  management.deployment_figures = [store = c.store.get()]() -> std::optional<api::DeploymentFigures> {
    auto figures = store->deployment_figures();
    if (!figures) {
      spdlog::warn("/metrics: cannot count the deployment's rows: {}", figures.error().message);
      return std::nullopt;
    }
    return api::DeploymentFigures{figures->accounts, figures->certificates, figures->paused_pairs,
                                  figures->leased_validations};
  };

  // /metrics' pause figures: the database's totals (every instance, across restarts) and what this
  // instance has counted since its last flush.
  management.event_totals = [stored = std::move(management.event_totals),
                             recorder = c.series_recorder.get()] {
    auto totals = stored ? stored() : std::nullopt;
    if (!totals) return totals;
    for (const auto& [name, n] : recorder->unwritten()) (*totals)[name] += static_cast<std::int64_t>(n);
    return totals;
  };
}

}  // namespace cobble::app
