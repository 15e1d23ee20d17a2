#pragma once

#include <optional>
#include <string>

#include "acme/problem.hpp"
#include "acme/types.hpp"
#include "authority/ca_policy.hpp"
#include "authority/pauses.hpp"
#include "authority/rate_limits.hpp"
#include "authority/validation_port.hpp"
#include "common/clock.hpp"
#include "storage/store.hpp"

namespace cobble::authority {

// An authorization with the status a client sees (expiry applied).
struct AuthzView {
  Authorization authz;
  acme::AuthzStatus status = acme::AuthzStatus::pending;
};

struct ChallengeView {
  AuthzView authz;
  Challenge challenge;
};

// RFC 8555 §7.5: authorizations and challenges; the outcome of validations. Thread-safe.
class Challenges {
 public:
  Challenges(storage::Store& store, const common::Clock& clock, const Policy& policy,
             ValidationScheduler& scheduler, const Pauses* pauses = nullptr,
             RateLimits* rate_limits = nullptr)
      : store_(store),
        clock_(clock),
        policy_(policy),
        scheduler_(scheduler),
        pauses_(pauses),
        rate_limits_(rate_limits) {}

  // malformed 404 when there is none; unauthorized when another account owns it.
  acme::Result<AuthzView> find_authz(const Account& account, const std::string& id) const;
  // §7.5.2: pending or valid → deactivated; malformed otherwise.
  acme::Result<AuthzView> deactivate_authz(const Account& account, const std::string& id) const;

  acme::Result<ChallengeView> find_challenge(const Account& account, const std::string& id) const;
  // §7.5.1: starts validation of a pending challenge (→ processing, scheduled) and returns at
  // once; 503 with Retry-After when the validation queue is full (the challenge stays pending). A challenge
  // that is not pending is returned as it is (idempotent retries); one whose authorization is no longer
  // pending gives malformed. `account_url` is the account's URL on the base URL this request came to (what
  // dns-account-01 / dns-persist-01 records name); empty means policy.account_url_prefix + id.
  acme::Result<ChallengeView> respond(const Account& account, const std::string& id,
                                      const std::string& account_url = "") const;

  // Records a validation outcome in one transaction: the challenge and authorization become valid
  // (no problem) or invalid, and the attempt is added to validation_attempts. Called by the
  // validation scheduler. Returns false when the store failed (nothing was recorded: call again
  // later); true when recorded, or dropped because the challenge is no longer processing.
  bool record_outcome(const ValidationTask& task, const validation::Outcome& outcome) const;

  // Operators: the account's latest `limit` validations of `identifier` (wildcards without "*."),
  // newest first, each with every perspective's result.
  acme::Result<std::vector<storage::ValidationAttemptRecord>> recent_validations(
      std::int64_t account_id, const acme::Identifier& identifier, std::size_t limit) const;

  // Recovery: claims challenges left processing and re-schedules them, except one already resumed
  // kMaxResumes times (each of those runs ended before it did): that one is failed. At start-up of
  // the only instance every processing challenge was interrupted (all_processing); with several
  // instances on one database, only those whose lease ran out (expired_leases; their instance died).
  void resume_interrupted(storage::ClaimScope scope) const;
  static constexpr int kMaxResumes = 2;

 private:
  acme::Result<AuthzView> load_authz(const std::string& id) const;
  ValidationTask task_for(const Account& account, const AuthzView& authz, const Challenge& challenge,
                          const std::string& account_url) const;
  static storage::ValidationAttemptRecord attempt_record(const ValidationTask& task,
                                                         const validation::Outcome& outcome);

  storage::Store& store_;
  const common::Clock& clock_;
  const Policy& policy_;
  ValidationScheduler& scheduler_;
  const Pauses* pauses_;     // null: pausing off
  RateLimits* rate_limits_;  // null: rate limits off (failed authorizations are not counted)
};

}  // namespace cobble::authority
