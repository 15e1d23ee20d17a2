#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>

#include "acme/nonce.hpp"
#include "api/chaos.hpp"
#include "app/config.hpp"
#include "app/deployment_sync.hpp"
#include "app/lease_keeper.hpp"
#include "app/periodic.hpp"
#include "app/series_recorder.hpp"
#include "app/validation_scheduler.hpp"
#include "app/wiring.hpp"
#include "authority/shared_nonces.hpp"
#include "ca/certificate_authority.hpp"
#include "common/clock.hpp"
#include "ratelimit/request_limits.hpp"
#include "storage/store.hpp"
#include "validation/resolver.hpp"
#include "validation/validator.hpp"

namespace cobble::app {

// Everything the CA is made of, built once from the configuration and owned here (the
// composition root), so no part reaches for a global.
struct Components {
  std::unique_ptr<common::Clock> clock;
  std::unique_ptr<storage::Store> store;
  std::shared_ptr<ca::CertificateAuthority> ca;
  authority::Policy policy;
  acme::NonceStore nonces;  // the only instance's
  // Several instances on one database: nonces any of them accepts once (then `nonces` is unused).
  common::SystemClock real_clock;
  std::unique_ptr<authority::SharedNonces> shared_nonces;
  std::unique_ptr<validation::Resolver> resolver;
  std::unique_ptr<validation::Validator> validator;
  std::unique_ptr<AsioValidationScheduler> scheduler;
  // What requests and validations are counted and timed in, for /metrics; null: metrics are off.
  std::shared_ptr<metrics::Instruments> instruments;
  std::unique_ptr<authority::PauseNotifier> pause_notifier;
  std::unique_ptr<api::Chaos> chaos;
  std::unique_ptr<ratelimit::RequestLimiter> request_limiter;
  Core core;  // the workflows and the front ends' services, as app/wiring.hpp builds them
  // Several instances on one database (PostgreSQL): validation leases renewed and taken over.
  std::unique_ptr<LeaseKeeper> lease_keeper;
  std::unique_ptr<DeploymentSync> deployment_sync;  // run-time settings every instance shares
  // The operator dashboard's time series, flushed every SeriesRecorder::kFlushEvery.
  std::unique_ptr<SeriesRecorder> series_recorder;
  std::unique_ptr<Periodic> series_flush;  // declared after the recorder: stopped before it goes

  explicit Components(std::size_t nonce_capacity) : nonces(nonce_capacity) {}
};

// Where the database is: `database`, or dataDir/cobble.db.
std::string database_location(const Config& config);
// The CA, loaded from dataDir/ca (made there first when missing and caPersist is on).
common::Result<std::shared_ptr<ca::CertificateAuthority>> load_ca(const Config& config,
                                                                  common::TimePoint now);
// The unpause links' HMAC key: read from unpauseKeyFile or dataDir/unpause.key, or made once and
// kept (0600).
common::Result<std::string> unpause_secret(const Config& config);

// Builds the components from a configuration check_config() accepts (checked again here for
// callers that skip it). `work` runs validations. Fails with a message saying what to fix.
common::Result<std::unique_ptr<Components>> build_components(const Config& config,
                                                             boost::asio::io_context& io,
                                                             boost::asio::any_io_executor work,
                                                             const std::string& https_ca_pem);

}  // namespace cobble::app
