#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "acme/nonce.hpp"
#include "api/acme/services.hpp"
#include "api/management/management.hpp"
#include "authority/accounts.hpp"
#include "authority/activity.hpp"
#include "authority/certificates.hpp"
#include "authority/challenges.hpp"
#include "authority/orders.hpp"
#include "authority/pauses.hpp"
#include "authority/rate_limits.hpp"
#include "authority/renewal_info.hpp"
#include "authority/revocation_list.hpp"
#include "ca/certificate_authority.hpp"
#include "common/clock.hpp"
#include "storage/store.hpp"

namespace cobble::app {

// What the workflows are built over: owned by the caller (build_components, or a test's CA),
// which keeps every part alive as long as the Core.
struct CoreParts {
  storage::Store& store;
  const common::Clock& clock;
  const authority::Policy& policy;
  ca::CertificateAuthority& ca;
  authority::ValidationScheduler& scheduler;
  acme::Nonces& nonces;
  authority::PauseSettings pause_settings;
  authority::PauseNotifier* pause_notifier = nullptr;
  ratelimit::LimitTable rate_limits;  // empty: off
  std::chrono::seconds crl_refresh{60};
  api::DirectoryMeta meta;
  std::size_t orders_per_page = 50;
  std::string https_ca_pem;                 // the CA of the server's own HTTPS certificate
  common::FakeClock* fake_clock = nullptr;  // the management API's /clock moves it when set
};

// The authority workflows and the two API front ends' service bundles, built in the one order
// their references need. The server and the in-process test CA both build theirs here.
struct Core {
  std::unique_ptr<authority::Accounts> accounts;
  std::unique_ptr<authority::Pauses> pauses;
  std::unique_ptr<authority::RateLimits> rate_limits;
  std::unique_ptr<authority::Orders> orders;
  std::unique_ptr<authority::Challenges> challenges;
  std::unique_ptr<authority::Certificates> certificates;
  std::unique_ptr<authority::RenewalInfo> renewal_info;
  std::unique_ptr<authority::RevocationList> crl;
  std::unique_ptr<authority::Activity> activity;  // the operator dashboard's figures
  std::unique_ptr<api::Services> services;
  std::unique_ptr<api::ManagementServices> management;
};

Core build_core(CoreParts parts);

}  // namespace cobble::app
