#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>

#include "acme/nonce.hpp"
#include "api/management.hpp"
#include "api/services.hpp"
#include "app/config.hpp"
#include "app/validation_scheduler.hpp"
#include "authority/accounts.hpp"
#include "authority/certificates.hpp"
#include "authority/challenges.hpp"
#include "authority/orders.hpp"
#include "authority/pauses.hpp"
#include "authority/renewal_info.hpp"
#include "authority/revocation_list.hpp"
#include "ca/authority.hpp"
#include "common/clock.hpp"
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
  acme::NonceStore nonces;
  std::unique_ptr<validation::Resolver> resolver;
  std::unique_ptr<validation::Validator> validator;
  std::unique_ptr<AsioValidationScheduler> scheduler;
  std::unique_ptr<authority::Accounts> accounts;
  std::unique_ptr<authority::PauseNotifier> pause_notifier;
  std::unique_ptr<authority::Pauses> pauses;
  std::unique_ptr<authority::Orders> orders;
  std::unique_ptr<authority::Challenges> challenges;
  std::unique_ptr<authority::Certificates> certificates;
  std::unique_ptr<api::Chaos> chaos;
  std::unique_ptr<authority::RenewalInfo> renewal_info;
  std::unique_ptr<authority::RevocationList> crl;
  std::unique_ptr<api::Services> services;
  std::unique_ptr<api::ManagementServices> management;

  explicit Components(std::size_t nonce_capacity) : nonces(nonce_capacity) {}
};

// Builds the components. `work` runs validations. Fails with a message saying what to fix.
common::Result<std::unique_ptr<Components>> build_components(const Config& config,
                                                             boost::asio::io_context& io,
                                                             boost::asio::any_io_executor work,
                                                             const std::string& https_ca_pem);

}  // namespace cobble::app
