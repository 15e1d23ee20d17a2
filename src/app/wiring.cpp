#include "app/wiring.hpp"

#include <utility>
#include <vector>

namespace cobble::app {

Core build_core(CoreParts parts) {
  Core core;
  core.rate_limits =
      std::make_unique<authority::RateLimits>(parts.store, parts.clock, std::move(parts.rate_limits));
  core.accounts =
      std::make_unique<authority::Accounts>(parts.store, parts.clock, parts.policy, core.rate_limits.get());
  core.pauses = std::make_unique<authority::Pauses>(parts.store, parts.clock, std::move(parts.pause_settings),
                                                    parts.pause_notifier);
  core.orders = std::make_unique<authority::Orders>(parts.store, parts.clock, parts.policy, parts.ca,
                                                    core.pauses.get(), core.rate_limits.get());
  core.challenges = std::make_unique<authority::Challenges>(
      parts.store, parts.clock, parts.policy, parts.scheduler, core.pauses.get(), core.rate_limits.get());
  core.certificates =
      std::make_unique<authority::Certificates>(parts.store, parts.clock, parts.policy, &parts.ca);
  core.renewal_info = std::make_unique<authority::RenewalInfo>(parts.store, parts.clock, parts.ca);
  core.crl = std::make_unique<authority::RevocationList>(
      parts.store, parts.clock, parts.ca,
      authority::RevocationList::Settings{parts.policy.crl, parts.crl_refresh, parts.policy.crl_lifetime});

  core.services = std::unique_ptr<api::Services>(new api::Services{
      parts.nonces, std::move(parts.meta), parts.policy, *core.accounts, *core.orders, *core.challenges,
      *core.certificates, parts.orders_per_page, core.pauses.get(), core.renewal_info.get(), core.crl.get()});
  std::vector<api::CaChainPems> chains;
  for (std::size_t n = 0; n < parts.ca.chain_count(); ++n) {
    chains.push_back({parts.ca.root_pem(n), parts.ca.root_key_pem(n), parts.ca.intermediate_pem(n),
                      parts.ca.intermediate_key_pem(n)});
  }
  core.management = std::unique_ptr<api::ManagementServices>(new api::ManagementServices{
      std::move(parts.https_ca_pem), std::move(chains), *core.certificates, parts.fake_clock, &parts.clock,
      core.pauses.get(), core.renewal_info.get(), core.challenges.get(), core.rate_limits.get()});
  core.activity = std::make_unique<authority::Activity>(parts.store, parts.clock,
                                                        core.pauses->settings().policy.failures);
  core.management->activity = core.activity.get();
  core.management->event_totals =
      [activity = core.activity.get()]() -> std::optional<std::map<std::string, std::int64_t>> {
    auto totals = activity->totals();  // a failure is logged there
    if (!totals) return std::nullopt;
    return *totals;
  };
  return core;
}

}  // namespace cobble::app
