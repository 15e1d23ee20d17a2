#include "authority/challenges.hpp"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "acme/json_text.hpp"
#include "acme/jws.hpp"
#include "acme/status_rules.hpp"
#include "authority/errors.hpp"
#include "authority/profiles.hpp"
#include "common/log.hpp"
#include "common/text.hpp"

namespace cobble::authority {
namespace {
using acme::Problem;
}  // namespace

acme::Result<AuthzView> Challenges::load_authz(const std::string& id) const {
  auto authz = store_.find_authz(id);
  if (!authz) {
    if (is_not_found(authz.error())) return acme::fail(Problem::not_found("No authorization " + id));
    return acme::fail(internal_error("loading an authorization", authz.error()));
  }
  auto status = acme::effective_authz_status(authz->status, authz->expires, clock_.now());
  return AuthzView{std::move(*authz), status};
}

acme::Result<AuthzView> Challenges::find_authz(const Account& account, const std::string& id) const {
  auto view = load_authz(id);
  if (view && view->authz.account_id != account.id) {
    return acme::fail(Problem::unauthorized("This authorization belongs to another account"));
  }
  return view;
}

acme::Result<AuthzView> Challenges::deactivate_authz(const Account& account, const std::string& id) const {
  auto view = find_authz(account, id);
  if (!view) return view;
  if (!acme::authz_can_deactivate(view->status)) {
    return acme::fail(
        Problem::malformed("Only pending or valid authorizations can be deactivated; this one is " +
                           std::string(acme::to_string(view->status))));
  }
  if (auto r = store_.update_authz_status(id, acme::AuthzStatus::deactivated); !r) {
    return acme::fail(internal_error("deactivating an authorization", r.error()));
  }
  view->authz.status = acme::AuthzStatus::deactivated;
  view->status = acme::AuthzStatus::deactivated;
  return view;
}

acme::Result<ChallengeView> Challenges::find_challenge(const Account& account, const std::string& id) const {
  auto challenge = store_.find_challenge(id);
  if (!challenge) {
    if (is_not_found(challenge.error())) return acme::fail(Problem::not_found("No challenge " + id));
    return acme::fail(internal_error("loading a challenge", challenge.error()));
  }
  auto authz = find_authz(account, challenge->authz_id);
  if (!authz) return acme::fail(authz.error());
  return ChallengeView{std::move(*authz), std::move(*challenge)};
}

ValidationTask Challenges::task_for(const Account& account, const AuthzView& authz,
                                    const Challenge& challenge, const std::string& account_url) const {
  ValidationTask task;
  task.account_url =
      account_url.empty() ? policy_.account_url_prefix + std::to_string(account.id) : account_url;
  task.challenge_id = challenge.id;
  task.account_id = account.id;
  task.identifier = {authz.authz.identifier.type, authz.authz.identifier.value};
  task.wildcard = authz.authz.wildcard;
  task.type = challenge.type;
  task.token = challenge.token;
  // The stored thumbprint is the key's (Accounts keeps both in step): parsing the JWK again would
  // check the key, an EC point multiplication per challenge.
  task.key_authorization = acme::key_authorization(challenge.token, account.key_thumbprint);
  // A profile removed from the configuration since the order was made: the default one's lifetime.
  auto profile = choose_profile(policy_, authz.authz.profile);
  if (!profile) profile = choose_profile(policy_, "");
  if (profile) task.valid_authz_lifetime = profile->valid_authz_lifetime;
  return task;
}

acme::Result<ChallengeView> Challenges::respond(const Account& account, const std::string& id,
                                                const std::string& account_url) const {
  auto view = find_challenge(account, id);
  if (!view) return view;
  auto status = view->challenge.status;
  if (status != acme::ChallengeStatus::pending) return view;  // retries see the current state
  if (!acme::challenge_can_start(status, view->authz.status)) {
    return acme::fail(Problem::malformed("The authorization is " +
                                         std::string(acme::to_string(view->authz.status)) +
                                         "; its challenges can no longer be started"));
  }
  if (!scheduler_.reserve()) {
    return acme::fail(Problem::unavailable(
        "Too many validations are waiting; the challenge is still pending, post it again later",
        kRetryAfterUnavailableSeconds));
  }
  if (auto r = store_.start_challenge(id, policy_.instance_id); !r) {
    scheduler_.release();
    if (r.error().code != std::errc::operation_not_permitted) {
      return acme::fail(internal_error("starting a challenge", r.error()));
    }
    return find_challenge(account, id);  // a concurrent request started it first
  }
  view->challenge.status = acme::ChallengeStatus::processing;
  scheduler_.schedule(task_for(account, view->authz, view->challenge, account_url));
  return view;
}

bool Challenges::record_outcome(const ValidationTask& task, const validation::Outcome& outcome) const {
  storage::ChallengeOutcomeRecord record;
  record.challenge_id = task.challenge_id;
  record.valid = outcome.valid();
  record.at = outcome.finished_at == common::TimePoint{} ? clock_.now() : outcome.finished_at;
  if (record.valid) record.valid_until = record.at + task.valid_authz_lifetime;
  if (outcome.problem) record.error_json = acme::json_text(acme::to_json(*outcome.problem));
  record.attempt = attempt_record(task, outcome);
  if (pauses_) record.pause = pauses_->bookkeeping(task);
  auto effect = store_.finish_challenge(record);
  if (!effect) {
    if (effect.error().code == std::errc::operation_not_permitted || is_not_found(effect.error())) {
      common::log_event(spdlog::level::info, "validation_dropped", {{"challenge", task.challenge_id}},
                        "validation outcome for challenge {} dropped: it is no longer processing",
                        task.challenge_id);
      return true;
    }
    common::log_event(spdlog::level::warn, "validation_not_recorded", {{"challenge", task.challenge_id}},
                      "validation outcome for challenge {} not recorded yet: {}", task.challenge_id,
                      effect.error().message);
    return false;
  }
  if (pauses_) pauses_->report(task, *effect);
  if (rate_limits_ && !record.valid)
    rate_limits_->spend_failed_authorization(task.account_id, task.identifier);
  if (outcome.problem) {
    common::log_event(spdlog::level::info, "validation_failed",
                      {{"account", task.account_id},
                       {"identifier", task.identifier.value},
                       {"challenge", task.challenge_id},
                       {"method", task.type},
                       {"problem", acme::urn(outcome.problem->type)},
                       {"detail", outcome.problem->detail}},
                      "validation {} of {} for account {} failed: {}", task.type, task.identifier.value,
                      task.account_id, outcome.problem->detail);
  }
  return true;
}

storage::ValidationAttemptRecord Challenges::attempt_record(const ValidationTask& task,
                                                            const validation::Outcome& outcome) {
  storage::ValidationAttemptRecord attempt;
  attempt.account_id = task.account_id;
  attempt.identifier = {task.identifier.type, task.identifier.value};
  attempt.method = task.type;
  attempt.started_at = outcome.started_at;
  attempt.finished_at = outcome.finished_at;
  attempt.result = outcome.problem ? acme::ChallengeStatus::invalid : acme::ChallengeStatus::valid;
  if (outcome.problem) {
    attempt.problem_type = acme::urn(outcome.problem->type);
    attempt.problem_detail = common::valid_utf8(outcome.problem->detail);
  }
  attempt.addresses = outcome.addresses;
  attempt.redirects = outcome.redirects;
  for (const auto& seen : outcome.perspectives) {
    storage::PerspectiveRecord perspective{seen.name, seen.rir, acme::ChallengeStatus::valid, "", ""};
    if (seen.problem) {
      perspective.result = acme::ChallengeStatus::invalid;
      perspective.problem_type = acme::urn(seen.problem->type);
      perspective.problem_detail = common::valid_utf8(seen.problem->detail);
    }
    attempt.perspectives.push_back(std::move(perspective));
  }
  return attempt;
}

acme::Result<std::vector<storage::ValidationAttemptRecord>> Challenges::recent_validations(
    std::int64_t account_id, const acme::Identifier& identifier, std::size_t limit) const {
  auto attempts = store_.list_validation_attempts(account_id, {identifier.type, identifier.value}, limit);
  if (!attempts) return acme::fail(internal_error("listing validations", attempts.error()));
  return std::move(*attempts);
}

void Challenges::resume_interrupted(storage::ClaimScope scope) const {
  auto claimed = store_.claim_challenges({.owner = policy_.instance_id, .scope = scope});
  if (!claimed) {
    spdlog::error("cannot claim interrupted validations: {}", claimed.error().message);
    return;
  }
  for (const auto& [challenge, resumed] : *claimed) {
    auto authz = load_authz(challenge.authz_id);
    if (!authz) continue;
    auto account = store_.find_account(authz->authz.account_id);
    if (!account) continue;
    auto task = task_for(*account, *authz, challenge, "");
    if (resumed > kMaxResumes) {
      // Each start that resumed it ended before the validation did: something about this
      // validation stops the process. Fail it rather than stop again (no start-up crash loop).
      common::log_event(spdlog::level::err, "validation_abandoned", {{"challenge", challenge.id}},
                        "challenge {} was resumed {} times without finishing; failing it", challenge.id,
                        resumed - 1);
      validation::Outcome outcome;
      outcome.problem = Problem::server_internal(
          "The validation was interrupted by " + std::to_string(resumed - 1) +
          " restarts of the CA in a row and is not tried again; answer a new challenge");
      outcome.started_at = outcome.finished_at = clock_.now();
      record_outcome(task, outcome);
      continue;
    }
    common::log_event(
        spdlog::level::info, "validation_resumed",
        {{"challenge", challenge.id}, {"account", task.account_id}, {"identifier", task.identifier.value}},
        "resuming validation of challenge {} (interrupted{})", challenge.id,
        scope == storage::ClaimScope::expired_leases ? " on an instance whose lease ran out"
                                                     : " by a restart");
    scheduler_.schedule_resumed(std::move(task));
  }
}

}  // namespace cobble::authority
