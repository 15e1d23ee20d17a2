#pragma once

#include <memory>
#include <utility>

#include "storage/store.hpp"

namespace cobble::test {

// A storage::Store that hands every call to another one: derive from it and override the calls a
// test wants to fail or watch (a wrapper over the Store, next to storage::FaultInjectingVfs, which
// fails SQLite's file operations underneath it).
class ForwardingStore : public storage::Store {
 public:
  explicit ForwardingStore(std::unique_ptr<storage::Store> inner)
      : owned_(std::move(inner)), inner_(*owned_) {}

  int schema_version() override { return inner_.schema_version(); }
  storage::Result<int> read_schema_version() override { return inner_.read_schema_version(); }
  storage::Result<std::int64_t> create_account(const storage::AccountRecord& account) override {
    return inner_.create_account(account);
  }
  storage::Result<storage::AccountRecord> find_account(std::int64_t id) override {
    return inner_.find_account(id);
  }
  storage::Result<storage::AccountRecord> find_account_by_thumbprint(const std::string& thumbprint) override {
    return inner_.find_account_by_thumbprint(thumbprint);
  }
  storage::Result<void> update_account_contacts(std::int64_t id,
                                                const std::vector<std::string>& contacts) override {
    return inner_.update_account_contacts(id, contacts);
  }
  storage::Result<void> update_account_status(std::int64_t id, storage::AccountStatus status) override {
    return inner_.update_account_status(id, status);
  }
  storage::Result<void> update_account_key(std::int64_t id, const std::string& thumbprint,
                                           const std::string& jwk) override {
    return inner_.update_account_key(id, thumbprint, jwk);
  }
  using storage::Store::insert_order;
  storage::Result<void> insert_order(const storage::OrderRecord& order,
                                     const std::vector<storage::AuthzRecord>& new_authzs,
                                     const storage::ReplacementCheck& check) override {
    return inner_.insert_order(order, new_authzs, check);
  }
  storage::Result<storage::OrderRecord> find_order(const std::string& id) override {
    return inner_.find_order(id);
  }
  storage::Result<std::vector<std::string>> list_order_ids(std::int64_t account_id, storage::TimePoint now,
                                                           std::size_t offset, std::size_t limit) override {
    return inner_.list_order_ids(account_id, now, offset, limit);
  }
  storage::Result<void> transition_order(const std::string& id, storage::OrderStatus from,
                                         storage::OrderStatus to) override {
    return inner_.transition_order(id, from, to);
  }
  storage::Result<void> complete_order(const std::string& id,
                                       const storage::CertificateRecord& certificate) override {
    return inner_.complete_order(id, certificate);
  }
  storage::Result<void> fail_order(const std::string& id, const std::string& error_json) override {
    return inner_.fail_order(id, error_json);
  }
  storage::Result<storage::AuthzRecord> find_authz(const std::string& id) override {
    return inner_.find_authz(id);
  }
  storage::Result<storage::AuthzRecord> find_valid_authz(const storage::AuthzReuseQuery& query) override {
    return inner_.find_valid_authz(query);
  }
  storage::Result<void> update_authz_status(const std::string& id, storage::AuthzStatus status) override {
    return inner_.update_authz_status(id, status);
  }
  storage::Result<storage::ChallengeRecord> find_challenge(const std::string& id) override {
    return inner_.find_challenge(id);
  }
  storage::Result<void> start_challenge(const std::string& id, const std::string& lease_owner) override {
    return inner_.start_challenge(id, lease_owner);
  }
  storage::Result<storage::PauseEffect> finish_challenge(
      const storage::ChallengeOutcomeRecord& outcome) override {
    return inner_.finish_challenge(outcome);
  }
  storage::Result<std::vector<storage::ValidationAttemptRecord>> list_validation_attempts(
      std::int64_t account_id, const storage::IdentifierRecord& identifier, std::size_t limit) override {
    return inner_.list_validation_attempts(account_id, identifier, limit);
  }
  storage::Result<std::vector<std::int64_t>> insert_bulk(const storage::BulkRows& rows) override {
    return inner_.insert_bulk(rows);
  }
  storage::Result<std::size_t> renew_challenge_leases(const std::string& owner) override {
    return inner_.renew_challenge_leases(owner);
  }
  storage::Result<std::vector<storage::ClaimedChallenge>> claim_challenges(
      const storage::ChallengeClaim& claim) override {
    return inner_.claim_challenges(claim);
  }
  storage::Result<bool> redeem_nonce(const std::string& nonce, storage::TimePoint expires,
                                     storage::TimePoint now) override {
    return inner_.redeem_nonce(nonce, expires, now);
  }
  storage::Result<std::map<std::string, std::string>> find_shared_files(const std::string& group) override {
    return inner_.find_shared_files(group);
  }
  storage::Result<storage::DeploymentFigures> deployment_figures() override {
    return inner_.deployment_figures();
  }
  storage::Result<std::int64_t> put_deployment_setting(const std::string& name,
                                                       const std::string& value) override {
    return inner_.put_deployment_setting(name, value);
  }
  storage::Result<std::vector<storage::DeploymentSetting>> list_deployment_settings(
      std::int64_t after_version) override {
    return inner_.list_deployment_settings(after_version);
  }
  storage::Result<bool> publish_shared_files(const std::string& group,
                                             const std::map<std::string, std::string>& files) override {
    return inner_.publish_shared_files(group, files);
  }
  storage::Result<std::vector<std::string>> find_processing_orders(std::chrono::seconds older_than) override {
    return inner_.find_processing_orders(older_than);
  }
  storage::Result<std::vector<storage::IdentifierRecord>> find_paused(
      std::int64_t account_id, const std::vector<storage::IdentifierRecord>& identifiers) override {
    return inner_.find_paused(account_id, identifiers);
  }
  storage::Result<std::vector<storage::IdentifierRecord>> list_paused(std::int64_t account_id,
                                                                      std::size_t limit) override {
    return inner_.list_paused(account_id, limit);
  }
  storage::Result<std::size_t> unpause_account(std::int64_t account_id, std::size_t limit,
                                               storage::TimePoint now) override {
    return inner_.unpause_account(account_id, limit, now);
  }
  storage::Result<storage::PauseEffect> pause_pair(std::int64_t account_id,
                                                   const storage::IdentifierRecord& identifier,
                                                   storage::TimePoint now,
                                                   std::chrono::seconds grace) override {
    return inner_.pause_pair(account_id, identifier, now, grace);
  }
  storage::Result<std::vector<std::pair<std::int64_t, std::size_t>>> count_paused(
      std::size_t limit) override {
    return inner_.count_paused(limit);
  }
  storage::Result<storage::CertificateRecord> find_certificate(const std::string& serial) override {
    return inner_.find_certificate(serial);
  }
  storage::Result<void> revoke_certificate(const std::string& serial, int reason,
                                           storage::TimePoint at) override {
    return inner_.revoke_certificate(serial, reason, at);
  }
  storage::Result<void> reset() override { return inner_.reset(); }
  storage::Result<std::vector<storage::RevokedRecord>> list_revoked(
      storage::TimePoint expiring_after) override {
    return inner_.list_revoked(expiring_after);
  }
  storage::Result<std::vector<storage::OrderRecord>> find_orders_replacing(
      const std::string& serial) override {
    return inner_.find_orders_replacing(serial);
  }
  storage::Result<void> set_renewal_info(const std::string& serial, const std::string& response,
                                         storage::TimePoint at) override {
    return inner_.set_renewal_info(serial, response, at);
  }
  storage::Result<std::map<std::string, storage::TimePoint>> find_rate_limit_buckets(
      const std::vector<std::string>& keys) override {
    return inner_.find_rate_limit_buckets(keys);
  }
  storage::Result<bool> update_rate_limit_buckets(
      const std::vector<storage::RateLimitBucketChange>& changes) override {
    return inner_.update_rate_limit_buckets(changes);
  }
  storage::Result<std::vector<std::pair<std::string, storage::TimePoint>>> list_rate_limit_buckets(
      const std::string& prefix, std::size_t limit) override {
    return inner_.list_rate_limit_buckets(prefix, limit);
  }
  storage::Result<bool> has_certificate_for_set(const std::string& identifier_set,
                                                storage::TimePoint since) override {
    return inner_.has_certificate_for_set(identifier_set, since);
  }
  storage::Result<std::size_t> delete_rate_limit_buckets(const std::string& prefix) override {
    return inner_.delete_rate_limit_buckets(prefix);
  }
  storage::Result<std::string> find_renewal_info(const std::string& serial) override {
    return inner_.find_renewal_info(serial);
  }

  storage::Result<void> add_series_counts(const std::map<std::string, std::int64_t>& deltas,
                                          storage::TimePoint at) override {
    return inner_.add_series_counts(deltas, at);
  }
  storage::Result<void> set_series_gauges(const std::map<std::string, std::int64_t>& values,
                                          storage::TimePoint at) override {
    return inner_.set_series_gauges(values, at);
  }
  storage::Result<std::size_t> prune_series(storage::TimePoint minutes_before,
                                            storage::TimePoint hours_before) override {
    return inner_.prune_series(minutes_before, hours_before);
  }
  storage::Result<std::vector<storage::SeriesPoint>> read_series(const std::string& series,
                                                                 storage::SeriesResolution resolution,
                                                                 storage::TimePoint since) override {
    return inner_.read_series(series, resolution, since);
  }
  storage::Result<std::map<std::string, std::int64_t>> read_event_totals() override {
    return inner_.read_event_totals();
  }
  storage::Result<std::vector<storage::ValidationCounts>> count_validations(
      storage::SeriesResolution resolution, storage::TimePoint since) override {
    return inner_.count_validations(resolution, since);
  }
  storage::Result<std::vector<storage::AccountFailures>> top_failing_accounts(storage::TimePoint since,
                                                                              std::size_t limit) override {
    return inner_.top_failing_accounts(since, limit);
  }
  storage::Result<std::vector<storage::FailingPair>> pairs_closest_to_pausing(storage::TimePoint now,
                                                                              std::size_t limit) override {
    return inner_.pairs_closest_to_pausing(now, limit);
  }
  storage::Result<std::uint64_t> count_paused_pairs() override { return inner_.count_paused_pairs(); }

 private:
  std::unique_ptr<storage::Store> owned_;
  storage::Store& inner_;
};

}  // namespace cobble::test
