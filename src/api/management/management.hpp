#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "api/chaos.hpp"
#include "api/message.hpp"
#include "authority/activity.hpp"
#include "authority/certificates.hpp"
#include "authority/challenges.hpp"
#include "authority/pauses.hpp"
#include "authority/rate_limits.hpp"
#include "authority/renewal_info.hpp"
#include "common/clock.hpp"
#include "metrics/instruments.hpp"

namespace cobble::api {

// One of the CA's chains, as PEM: its root, the root's key, the leaf-issuing intermediate, its key.
struct CaChainPems {
  std::string root;
  std::string root_key;
  std::string intermediate;
  std::string intermediate_key;
};

// One listener's connection figures, for /metrics (http::ListenerStats, seen from api/).
struct ListenerFigures {
  std::string listener;
  std::uint64_t open = 0;
  std::uint64_t accepted = 0;
  std::uint64_t refused_listener_full = 0;
  std::uint64_t refused_address_full = 0;
  std::uint64_t accept_errors = 0;
};

// What the management listener serves. Built by app/; references outlive the API.
// One condition /readyz checks: what, whether it holds, and a sentence saying why.
struct ReadinessCheck {
  std::string name;
  bool ok = false;
  std::string detail;
};

// What the database says about the whole deployment (every instance), for /metrics.
struct DeploymentFigures {
  std::uint64_t accounts = 0;
  std::uint64_t certificates = 0;
  std::uint64_t paused_pairs = 0;
  std::map<std::string, std::uint64_t> leased_validations;  // by the instance holding the lease
};

struct ManagementServices {
  std::string https_ca_pem;         // the CA that signed the server's own HTTPS certificate
  std::vector<CaChainPems> chains;  // [0] the default chain, then the alternate roots
  const authority::Certificates& certificates;
  common::FakeClock* fake_clock = nullptr;               // set when started with --fake-clock
  const common::Clock* clock = nullptr;                  // ACME time, for GET /clock
  const authority::Pauses* pauses = nullptr;             // operators' pause actions
  const authority::RenewalInfo* renewal_info = nullptr;  // POST /set-renewal-info/
  const authority::Challenges* challenges = nullptr;     // GET /validations
  authority::RateLimits* rate_limits = nullptr;          // GET /rate-limits, POST /rate-limits/reset
  Chaos* chaos = nullptr;                                // GET/POST /chaos; null: 404
  const authority::Activity* activity = nullptr;         // GET /dashboard/api/...; null: 404
  // Every pause, unpause and rate-limit denial count recorded in the database (all instances,
  // across restarts), by series name (authority/activity.hpp); null or nullopt: not shown.
  std::function<std::optional<std::map<std::string, std::int64_t>>()> event_totals;
  // Several instances: a run-time setting changed here (name, JSON value) for the others to apply
  // ("chaos", "logLevel", "clock", "rateLimitOverride:<key>"); null: this is the only instance.
  std::function<void(const std::string&, const std::string&)> share_setting;
  // POST /reset: wipes all ACME state (Store::reset); null: 404.
  std::function<common::Result<void>()> reset_state;
  // managementToken: when set, every request but the public reads (/healthz, /https-ca, /roots/N,
  // /intermediates/N, /cert-status-by-serial/…) needs "Authorization: Bearer <token>".
  std::string token;
  // For /metrics; empty: not shown.
  std::function<std::vector<ListenerFigures>()> listener_stats;
  std::function<std::size_t()> validations_accepted;  // waiting, running or being recorded
  std::function<std::size_t()> nonces_outstanding;    // this instance's nonce store; null: none kept
  std::function<std::optional<DeploymentFigures>()> deployment_figures;  // null or nullopt: not shown
  std::function<std::vector<ReadinessCheck>()> readiness;  // GET /readyz; null: ready, nothing checked
  std::function<std::uint64_t()> database_round_trips;     // null: not shown (an in-process database)
  // Requests and validations counted and timed; the database's transactions timed. Null: not shown.
  std::shared_ptr<const metrics::Instruments> instruments;
  std::shared_ptr<const metrics::HistogramFamily> transaction_durations;
};

// The management listener (Pebble's port 15000, Pebble's paths): /healthz, /https-ca,
// /roots/N, /root-keys/N, /intermediates/N, /intermediate-keys/N (N = 0 and each alternate root,
// with Link rel="alternate" to the others), /cert-status-by-serial/<hex>;
// and Cobble's: GET/POST /clock (fake clock), POST /pause, POST /unpause, GET /paused,
// GET /validations, GET /rate-limits, POST /rate-limits/reset, GET/POST
// /chaos, POST /set-renewal-info/, POST /reset, GET/POST /log-level, and the operator dashboard
// (GET /dashboard, its script, style and JSON API: dashboard.hpp).
// It is for operators and test scripts, never for web pages: no CORS headers; a request from
// another origin (Origin, Sec-Fetch-Site) is 403; a POST needs a JSON body (415/400 otherwise);
// and with a token set, a request without it is 401 (WWW-Authenticate: Bearer).
Reply handle_management(const Request& request, ManagementServices& services);

}  // namespace cobble::api
