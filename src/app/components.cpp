#include "app/components.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>

namespace cobble::app {
namespace fs = std::filesystem;

namespace {

authority::Policy policy_from(const Config& config) {
  authority::Policy policy;
  policy.authz_reuse_percent = std::clamp(config.authz_reuse_percent, 0, 100);
  policy.certificate_validity = std::chrono::hours(24) * config.certificate_validity_days;
  policy.order_lifetime = std::chrono::hours(config.order_lifetime_hours);
  policy.require_terms_of_service = config.require_terms_of_service;
  policy.terms_of_service_url = config.terms_of_service;
  return policy;
}

PooledValidationScheduler::Validate validator_for(const Config& config) {
  if (config.always_valid) {
    return [](const authority::ValidationTask&) -> std::optional<acme::Problem> { return std::nullopt; };
  }
  // TODO(#4): real http-01, dns-01 and tls-alpn-01 validation. Until then a challenge fails with
  // a problem that says how to run in always-valid mode instead of hanging in "processing".
  return [](const authority::ValidationTask& task) -> std::optional<acme::Problem> {
    return acme::Problem::make(acme::ProblemType::server_internal,
                               "This Cobble cannot validate " + task.type +
                                   " challenges yet; start it with alwaysValid (PEBBLE_VA_ALWAYS_VALID=1)");
  };
}

}  // namespace

common::Result<std::unique_ptr<Components>> build_components(const Config& config,
                                                             boost::asio::any_io_executor work,
                                                             const std::string& https_ca_pem) {
  auto c = std::make_unique<Components>(static_cast<std::size_t>(config.nonce_capacity));
  if (config.fake_clock) {
    c->clock = std::make_unique<common::FakeClock>();
  } else {
    c->clock = std::make_unique<common::SystemClock>();
  }

  auto db_path =
      config.database.empty() ? (fs::path(config.data_dir) / "cobble.db").string() : config.database;
  auto store = storage::Store::open(db_path);
  if (!store) return common::fail(store.error().code, "database " + db_path + ": " + store.error().message);
  c->store = std::move(*store);
  spdlog::info("database {} (schema version {})", db_path, c->store->schema_version());

  ca::CaOptions ca_options;
  if (config.ca_key_algorithm == "rsa") {
    ca_options.key_algorithm = ca::KeyAlgorithm::rsa_2048;
  } else if (config.ca_key_algorithm != "ecdsa") {
    return common::fail(
        std::errc::invalid_argument,
        "setting 'keyAlgorithm' must be \"ecdsa\" or \"rsa\", got \"" + config.ca_key_algorithm + "\"");
  }
  ca_options.persist = config.ca_persist;
  auto ca =
      ca::CertificateAuthority::load_or_create(fs::path(config.data_dir) / "ca", ca_options, c->clock->now());
  if (!ca) return common::fail(ca.error().code, "CA: " + ca.error().message);
  c->ca = *ca;

  c->policy = policy_from(config);
  c->scheduler = std::make_unique<PooledValidationScheduler>(std::move(work), validator_for(config));
  c->accounts = std::make_unique<authority::Accounts>(*c->store, *c->clock, c->policy);
  c->orders = std::make_unique<authority::Orders>(*c->store, *c->clock, c->policy, *c->ca);
  c->challenges = std::make_unique<authority::Challenges>(*c->store, *c->clock, c->policy, *c->scheduler);
  c->certificates = std::make_unique<authority::Certificates>(*c->store, *c->clock);
  c->scheduler->attach(*c->challenges);

  api::DirectoryMeta meta{config.terms_of_service, config.website, config.caa_identities,
                          config.external_account_required};
  c->services = std::unique_ptr<api::Services>(
      new api::Services{c->nonces, meta, c->policy, *c->accounts, *c->orders, *c->challenges,
                        *c->certificates, static_cast<std::size_t>(std::max(1, config.orders_per_page))});
  c->management = std::unique_ptr<api::ManagementServices>(new api::ManagementServices{
      https_ca_pem, c->ca->root_pem(), c->ca->root_key_pem(), c->ca->intermediate_pem(),
      c->ca->intermediate_key_pem(), *c->certificates});

  // Work a crash interrupted: finish or fail it now, never leave it hanging.
  c->orders->fail_interrupted();
  c->challenges->resume_interrupted();
  return c;
}

}  // namespace cobble::app
