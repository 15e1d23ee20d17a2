#include "app/components.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "api/urls.hpp"
#include "app/config_check.hpp"
#include "app/dns_server.hpp"
#include "app/management_figures.hpp"
#include "app/perspectives_config.hpp"
#include "app/profiles_config.hpp"
#include "app/rate_limits_config.hpp"
#include "app/webhook.hpp"
#include "authority/profiles.hpp"
#include "common/files.hpp"

namespace cobble::app {
namespace fs = std::filesystem;

namespace {

constexpr int kValidationGraceSeconds = 3;
// How long start-up waits for dnsServer's host name to resolve (compose starts containers together).
constexpr std::chrono::milliseconds kDnsServerPatience{15000};
// How long a validation lease runs without renewal: an instance that dies leaves its validations
// to the others for at most this long (plus one renewal period).
constexpr std::chrono::seconds kChallengeLease{30};

// The CA's issuer domain names (CAA, dns-persist-01): caaIdentities, or a name of its own.
std::vector<std::string> issuer_domain_names(const Config& config) {
  if (!config.caa_identities.empty()) return config.caa_identities;
  return {"cobble.test"};
}

// The ACME base URL for links made without a request to take it from: externalUrl when set.
std::string default_base_url(const Config& config) {
  if (!config.external_url.empty()) {
    auto base = config.external_url;
    while (base.ends_with('/')) base.pop_back();
    return base;
  }
  auto hp = split_host_port(config.listen_address);
  if (!hp) return "https://localhost:14000";
  bool any = hp->first == "127.0.0.1" || hp->first == "0.0.0.0" || hp->first == "::";
  return "https://" + (any ? std::string("localhost") : hp->first) + ":" + std::to_string(hp->second);
}

// "scheme://host:port" of a listen address; wildcard and loopback hosts become localhost.
std::string base_url_of(const std::string& scheme, const std::string& address) {
  auto hp = split_host_port(address);
  if (!hp) return {};
  bool any = hp->first == "127.0.0.1" || hp->first == "0.0.0.0" || hp->first == "::";
  return scheme + "://" + (any ? std::string("localhost") : hp->first) + ":" + std::to_string(hp->second);
}

// Where CRLs are published, "<base>/crl/": crlBaseUrl, else the plain-HTTP listener (relying
// parties fetch CRLs over http, RFC 5280 §4.2.1.13), else the HTTPS one.
std::string crl_url_base(const Config& config) {
  std::string base = config.crl_base_url;
  if (base.empty() && !config.external_url.empty()) base = default_base_url(config);
  if (base.empty() && !config.plain_listen_address.empty())
    base = base_url_of("http", config.plain_listen_address);
  if (base.empty()) base = base_url_of("https", config.listen_address);
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base.empty() ? base : base + api::paths::kCrl;
}

authority::Policy policy_from(const Config& config) {
  authority::Policy policy;
  policy.authz_reuse_percent = std::clamp(config.authz_reuse_percent, 0, 100);
  policy.certificate_validity = std::chrono::hours(24) * config.certificate_validity_days;
  policy.order_lifetime = std::chrono::hours(config.order_lifetime_hours);
  policy.require_terms_of_service = config.require_terms_of_service;
  policy.terms_refusal = terms_refusal_named(config.terms_refusal).value();  // check_config knows it
  policy.finalize_answers_processing = config.finalize_answers_processing;
  for (const auto& reason : config.revocation_reasons) policy.revocation_reasons.push_back(reason.get<int>());
  policy.serve_revoked_certificates = config.serve_revoked_certificates;
  policy.accept_order_validity = config.accept_order_validity;
  policy.renewal_info_retry_jitter_percent = config.ari_retry_after_jitter_percent;
  policy.key_policy = common::key_policy_named(config.key_policy).value();  // check_config knows it
  policy.terms_of_service_url = config.terms_of_service;
  policy.dns_account01_enabled = config.dns_account01_enabled;
  policy.dns_persist01_enabled = config.dns_persist01_enabled;
  policy.issuer_domain_names = issuer_domain_names(config);
  policy.account_url_prefix = default_base_url(config) + api::paths::kAccount;
  policy.external_account_required = config.external_account_required;
  policy.retry_after_seconds = config.retry_after_order_seconds;
  policy.retry_after_authz_seconds = config.retry_after_authz_seconds;
  policy.domain_blocklist = config.domain_blocklist;
  policy.crl = {crl_url_base(config), config.crl_shards};
  policy.crl_lifetime = std::chrono::hours(config.crl_lifetime_hours);
  policy.ocsp_url = config.ocsp_responder_url;
  policy.certificate_policies = config.certificate_policies;
  policy.external_account_mac_keys = decode_mac_keys(config).value();  // check_config decoded them
  if (config.external_account_required && policy.external_account_mac_keys.empty()) {
    spdlog::warn(
        "externalAccountBindingRequired is set but externalAccountMACKeys is empty: no account can be made");
  }
  // Every profile starts from the policy-wide values set above (check_config parsed them).
  policy.profiles = profiles_from_json(config.profiles, authority::profile_from_policy(policy, "")).value();
  policy.default_profile = config.default_profile;
  return policy;
}

validation::ValidatorOptions validator_options(const Config& config) {
  validation::AddressPolicy policy{config.va_allow_loopback, config.va_allow_private};
  validation::ValidatorOptions options;
  options.http.http_port = static_cast<std::uint16_t>(config.http_port);
  options.http.policy = policy;
  options.http.timeout = std::chrono::seconds(config.va_timeout_seconds);
  options.http.redirect_ports = config.http01_redirect_ports == "any" ? validation::RedirectPorts::any
                                                                      : validation::RedirectPorts::standard;
  options.tls_alpn.tls_port = static_cast<std::uint16_t>(config.tls_port);
  options.tls_alpn.policy = policy;
  options.tls_alpn.timeout = std::chrono::seconds(config.va_timeout_seconds);
  options.remote = corroboration_from(config).value();  // check_config checked it
  options.issuer_domain_names = issuer_domain_names(config);
  options.caa = {config.caa_enabled, issuer_domain_names(config)};
  return options;
}

authority::PauseSettings pause_settings(const Config& config, std::string secret) {
  authority::PauseSettings settings;
  settings.enabled = config.pause_enabled;
  settings.policy.failures = {std::max(1, config.pause_burst), std::max(1, config.pause_refill_count),
                              std::chrono::hours(std::max(1, config.pause_refill_period_hours))};
  settings.policy.grace = std::chrono::days(config.pause_grace_days);
  settings.secret = std::move(secret);
  settings.boulder_compatible_problem = config.pause_boulder_problem;
  settings.portal_base_url = config.pause_portal_url;
  while (!settings.portal_base_url.empty() && settings.portal_base_url.back() == '/')
    settings.portal_base_url.pop_back();
  return settings;
}

SchedulerOptions scheduler_options(const Config& config) {
  SchedulerOptions options;
  options.always_valid = config.always_valid;
  options.max_delay = std::chrono::seconds(config.va_sleep_seconds);
  options.max_in_flight = static_cast<std::size_t>(std::max(1, config.va_max_concurrent));
  options.max_waiting = static_cast<std::size_t>(config.va_max_queued);
  // The validators stop at vaTimeoutSeconds; the scheduler's deadline catches any that do not
  // (a CAA lookup started just before, a DNS lookup per redirect) a few seconds later.
  options.deadline = std::chrono::seconds(std::max(1, config.va_timeout_seconds) + kValidationGraceSeconds);
  return options;
}

// The validators (none when always valid) and the scheduler that runs them on `work`.
struct ValidationParts {
  std::unique_ptr<validation::Resolver> resolver;
  std::unique_ptr<validation::Validator> validator;
  std::unique_ptr<AsioValidationScheduler> scheduler;
};

common::Result<ValidationParts> build_validation(const Config& config, boost::asio::io_context& io,
                                                 boost::asio::any_io_executor work,
                                                 const common::Clock& clock) {
  ValidationParts parts;
  ValidateFn validate;
  if (!config.always_valid) {
    auto dns_server = dns_server_addresses(config.dns_server, kDnsServerPatience);
    if (!dns_server) return std::unexpected(dns_server.error());
    if (*dns_server != config.dns_server) spdlog::info("dnsServer {} is {}", config.dns_server, *dns_server);
    try {
      parts.resolver = std::make_unique<validation::Resolver>(
          io.get_executor(), validation::Resolver::Options{*dns_server, std::chrono::milliseconds(3000), 2});
    } catch (const std::exception& e) {
      return common::fail(std::errc::invalid_argument, std::string("DNS resolver: ") + e.what());
    }
    parts.validator = std::make_unique<validation::Validator>(*parts.resolver, validator_options(config));
    validate = [validator = parts.validator.get()](validation::Request request) {
      return validator->validate(std::move(request));
    };
  }
  parts.scheduler = std::make_unique<AsioValidationScheduler>(io, std::move(work), std::move(validate), clock,
                                                              scheduler_options(config));
  return parts;
}

common::Result<std::unique_ptr<storage::Store>> open_store(const Config& config) {
  auto path = database_location(config);
  auto store = storage::Store::open(path, {.sync_every_commit = config.sync_every_commit,
                                           .check_every_page = config.check_database_at_start,
                                           .challenge_lease = kChallengeLease});
  // The location may carry a PostgreSQL password: only its printable form reaches logs and errors.
  auto shown = storage::printable_location(path);
  if (!store) return common::fail(store.error().code, "database " + shown + ": " + store.error().message);
  spdlog::info("database {} (schema version {})", shown, (*store)->schema_version());
  return std::move(*store);
}

std::unique_ptr<api::Chaos> make_chaos(const Config& config) {
  auto chaos = std::make_unique<api::Chaos>();
  chaos->set(api::parse_chaos(config.chaos).value());  // check_config parsed it
  chaos->set_nonce_reject_percent(config.nonce_reject_percent);
  if (config.nonce_reject_percent > 0)
    spdlog::info("refusing {}% of good nonces with badNonce (nonceRejectPercent)",
                 config.nonce_reject_percent);
  if (!config.chaos.empty()) spdlog::warn("chaos: injecting faults {}", config.chaos.dump());
  return chaos;
}

}  // namespace

// The unpause links' HMAC key: read from the key file, or made once and kept (0600).
common::Result<std::string> unpause_secret(const Config& config) {
  auto path = config.unpause_key_file.empty() ? fs::path(config.data_dir) / "unpause.key"
                                              : fs::path(config.unpause_key_file);
  if (std::ifstream in(path); in) {
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto secret = pause::unpause_secret_from_hex(text);
    if (!secret)
      return common::fail(std::errc::invalid_argument, path.string() + " does not hold a 64-digit hex key");
    return *secret;
  }
  if (!config.unpause_key_file.empty())
    return common::fail(std::errc::no_such_file_or_directory, "cannot read " + path.string());
  auto secret = pause::new_unpause_secret();
  if (config.pebble_compat && !fs::exists(config.data_dir)) return secret;  // like Pebble: nothing kept
  // Created 0600 from the start (never readable by others, not even for a moment), whole or not at all.
  if (auto written = common::write_file(path, pause::unpause_secret_to_hex(secret) + "\n", true); !written) {
    return std::unexpected(written.error());
  }
  return secret;
}

std::string database_location(const Config& config) {
  return config.database.empty() ? (fs::path(config.data_dir) / "cobble.db").string() : config.database;
}

common::Result<std::shared_ptr<ca::CertificateAuthority>> load_ca(const Config& config,
                                                                  common::TimePoint now) {
  ca::CaOptions options;
  if (config.ca_key_algorithm == "rsa") options.key_algorithm = ca::KeyAlgorithm::rsa_2048;
  options.persist = config.ca_persist;
  options.alternate_roots = config.alternate_roots;
  options.chain_length = config.chain_length;
  options.issuers_per_key_type = config.intermediates_per_key_type;
  auto ca = ca::CertificateAuthority::load_or_create(fs::path(config.data_dir) / "ca", options, now);
  if (!ca) return common::fail(ca.error().code, "CA: " + ca.error().message);
  return *ca;
}

common::Result<std::unique_ptr<Components>> build_components(const Config& config,
                                                             boost::asio::io_context& io,
                                                             boost::asio::any_io_executor work,
                                                             const std::string& https_ca_pem) {
  if (auto checked = check_config(config); !checked) return std::unexpected(checked.error());
  auto c = std::make_unique<Components>(static_cast<std::size_t>(config.nonce_capacity));
  if (config.fake_clock) {
    c->clock = std::make_unique<common::FakeClock>();
  } else {
    c->clock = std::make_unique<common::SystemClock>();
  }

  auto store = open_store(config);
  if (!store) return std::unexpected(store.error());
  c->store = std::move(*store);
  auto ca = load_ca(config, c->clock->now());
  if (!ca) return std::unexpected(ca.error());
  c->ca = std::move(*ca);
  c->policy = policy_from(config);
  c->policy.instance_id = new_instance_id();
  auto validation = build_validation(config, io, work, *c->clock);
  if (!validation) return std::unexpected(validation.error());
  c->resolver = std::move(validation->resolver);
  c->validator = std::move(validation->validator);
  c->scheduler = std::move(validation->scheduler);
  auto secret = unpause_secret(config);
  if (!secret) return common::fail(secret.error().code, "unpause key: " + secret.error().message);
  if (!config.pause_webhook_url.empty()) {
    c->pause_notifier = std::make_unique<WebhookNotifier>(io, config.pause_webhook_url);
  }
  const bool shared = storage::is_postgresql_location(database_location(config));
  if (shared) c->shared_nonces = std::make_unique<authority::SharedNonces>(*c->store, c->real_clock, *secret);
  auto settings = pause_settings(config, std::move(*secret));
  if (split_host_port(config.listen_address)) settings.default_base_url = default_base_url(config);

  c->core = build_core({.store = *c->store,
                        .clock = *c->clock,
                        .policy = c->policy,
                        .ca = *c->ca,
                        .scheduler = *c->scheduler,
                        .nonces = shared ? static_cast<acme::Nonces&>(*c->shared_nonces) : c->nonces,
                        .pause_settings = std::move(settings),
                        .pause_notifier = c->pause_notifier.get(),
                        .rate_limits = rate_limits_from_json(config.rate_limits).value(),  // checked
                        .crl_refresh = std::chrono::seconds(config.crl_refresh_seconds),
                        .meta = {config.terms_of_service, config.website, config.caa_identities,
                                 config.external_account_required, config.directory_random_entry},
                        .orders_per_page = static_cast<std::size_t>(std::max(1, config.orders_per_page)),
                        .https_ca_pem = https_ca_pem,
                        .fake_clock = dynamic_cast<common::FakeClock*>(c->clock.get())});
  c->scheduler->attach(*c->core.challenges);
  if (config.metrics) {
    c->instruments = std::make_shared<metrics::Instruments>();
    c->scheduler->attach(c->instruments);
  }

  c->chaos = make_chaos(config);
  auto& management = *c->core.management;
  c->core.services->chaos = c->chaos.get();
  c->request_limiter = std::make_unique<ratelimit::RequestLimiter>(
      *c->clock, request_limits_from_json(config.request_limits).value());  // check_config parsed it
  c->core.services->request_limiter = c->request_limiter.get();
  management.chaos = c->chaos.get();
  management.reset_state = [store = c->store.get()] { return store->reset(); };
  management.token = config.management_token;
  c->series_recorder =
      dashboard_recorder(*c->store, *c->clock, c->core.pauses.get(), c->core.rate_limits.get());
  c->series_flush = std::make_unique<Periodic>(io, work, SeriesRecorder::kFlushEvery, "dashboard series",
                                               [recorder = c->series_recorder.get()] { recorder->flush(); });
  show_figures(
      management, *c,
      {.max_waiting = scheduler_options(config).max_waiting, .metrics = config.metrics, .shared = shared});

  if (shared) {
    // Other instances may be finalizing or validating right now: take over only validations whose
    // lease ran out, now and every few seconds.
    spdlog::info("instance {}: validation leases of {} s", c->policy.instance_id, kChallengeLease.count());
    c->core.challenges->resume_interrupted(storage::ClaimScope::expired_leases);
    c->lease_keeper = std::make_unique<LeaseKeeper>(io, work, *c->store, *c->core.challenges, *c->core.orders,
                                                    c->policy.instance_id, kChallengeLease);
    c->deployment_sync = std::make_unique<DeploymentSync>(
        io, std::move(work), *c->store,
        DeploymentSync::Targets{.chaos = c->chaos.get(),
                                .fake_clock = dynamic_cast<common::FakeClock*>(c->clock.get()),
                                .rate_limits = c->core.rate_limits.get()});
    c->deployment_sync->apply_changes();  // the deployment's current settings, before serving
    management.share_setting = [sync = c->deployment_sync.get()](const std::string& name,
                                                                 const std::string& value) {
      sync->share(name, value);
    };
    return c;
  }
  // The only instance: work a crash interrupted is finished or failed now, never left hanging.
  c->core.orders->fail_interrupted(std::chrono::seconds(0));
  c->core.challenges->resume_interrupted(storage::ClaimScope::all_processing);
  return c;
}

}  // namespace cobble::app
