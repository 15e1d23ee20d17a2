#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "storage/columns.hpp"
#include "storage/pg.hpp"
#include "storage/store.hpp"

// The PostgreSQL Store, private to storage/ (others get it through Store::open with a
// "postgresql://" location). Split over pg_store.cpp (opening, accounts, certificates, reset),
// pg_store_orders.cpp (orders, bulk), pg_store_authz.cpp (authorizations, challenges, validation
// attempts), pg_store_shared.cpp (pauses, ARI, rate-limit buckets) and pg_store_instances.cpp
// (leases, nonces, shared files, deployment settings); pg_rows.hpp reads rows into records.
//
// Several Cobble instances share one database, so every check-then-write below holds across
// processes, not only threads. The tools, chosen per operation (docs/architecture.md has the table):
//   - conditional UPDATEs (status = 'pending' → 'processing', a bucket's TAT compare-and-set): at
//     READ COMMITTED, PostgreSQL re-checks the WHERE clause on the newest row version after waiting
//     for a concurrent writer, so of two racing updates exactly one changes the row;
//   - atomic upserts (INSERT ... ON CONFLICT) where a row may not exist yet;
//   - a transaction-scoped advisory lock per (account, identifier) pair for the pause bookkeeping,
//     which reads a bucket and a paused row and writes both: the pair's writes queue on the lock
//     instead of failing, and unrelated pairs never wait for each other.
// No operation needs SERIALIZABLE, so none can fail with a serialization error.
namespace cobble::storage {

class PgStore final : public Store {
 public:
  // Connects, applies pending migrations (one instance at a time, under an advisory lock) and
  // returns the store. `location` is a libpq URI ("postgresql://user:pw@host:5432/db"); errors
  // and logs never repeat its password.
  static Result<std::unique_ptr<Store>> open(const std::string& location, const StoreOptions& options);

  Result<int> read_schema_version() override;
  int schema_version() override { return version_; }

  Result<std::int64_t> create_account(const AccountRecord& account) override;
  Result<AccountRecord> find_account(std::int64_t id) override;
  Result<AccountRecord> find_account_by_thumbprint(const std::string& thumbprint) override;
  Result<void> update_account_contacts(std::int64_t id, const std::vector<std::string>& contacts) override;
  Result<void> update_account_status(std::int64_t id, AccountStatus status) override;
  Result<void> update_account_key(std::int64_t id, const std::string& thumbprint,
                                  const std::string& jwk) override;

  using Store::insert_order;
  Result<void> insert_order(const OrderRecord& order, const std::vector<AuthzRecord>& new_authzs,
                            const ReplacementCheck& check) override;
  Result<OrderRecord> find_order(const std::string& id) override;
  Result<std::vector<std::string>> list_order_ids(std::int64_t account_id, TimePoint now, std::size_t offset,
                                                  std::size_t limit) override;
  Result<void> transition_order(const std::string& id, OrderStatus from, OrderStatus to) override;
  Result<void> complete_order(const std::string& id, const CertificateRecord& certificate) override;
  Result<void> fail_order(const std::string& id, const std::string& error_json) override;

  Result<AuthzRecord> find_authz(const std::string& id) override;
  Result<AuthzRecord> find_valid_authz(const AuthzReuseQuery& query) override;
  Result<void> update_authz_status(const std::string& id, AuthzStatus status) override;

  Result<ChallengeRecord> find_challenge(const std::string& id) override;
  Result<void> start_challenge(const std::string& id, const std::string& lease_owner) override;
  Result<PauseEffect> finish_challenge(const ChallengeOutcomeRecord& outcome) override;
  Result<std::vector<ValidationAttemptRecord>> list_validation_attempts(std::int64_t account_id,
                                                                        const IdentifierRecord& identifier,
                                                                        std::size_t limit) override;
  Result<std::vector<std::int64_t>> insert_bulk(const BulkRows& rows) override;
  Result<std::size_t> renew_challenge_leases(const std::string& owner) override;
  Result<std::vector<ClaimedChallenge>> claim_challenges(const ChallengeClaim& claim) override;
  Result<bool> redeem_nonce(const std::string& nonce, TimePoint expires, TimePoint now) override;
  Result<std::map<std::string, std::string>> find_shared_files(const std::string& group) override;
  Result<bool> publish_shared_files(const std::string& group,
                                    const std::map<std::string, std::string>& files) override;
  Result<DeploymentFigures> deployment_figures() override;
  Result<std::int64_t> put_deployment_setting(const std::string& name, const std::string& value) override;
  Result<std::vector<DeploymentSetting>> list_deployment_settings(std::int64_t after_version) override;
  Result<std::vector<std::string>> find_processing_orders(std::chrono::seconds older_than) override;

  Result<std::vector<IdentifierRecord>> find_paused(
      std::int64_t account_id, const std::vector<IdentifierRecord>& identifiers) override;
  Result<std::vector<IdentifierRecord>> list_paused(std::int64_t account_id, std::size_t limit) override;
  Result<std::size_t> unpause_account(std::int64_t account_id, std::size_t limit, TimePoint now) override;
  Result<PauseEffect> pause_pair(std::int64_t account_id, const IdentifierRecord& identifier, TimePoint now,
                                 std::chrono::seconds grace) override;
  Result<std::vector<std::pair<std::int64_t, std::size_t>>> count_paused(std::size_t limit) override;

  Result<CertificateRecord> find_certificate(const std::string& serial) override;
  Result<void> revoke_certificate(const std::string& serial, int reason, TimePoint at) override;
  Result<void> reset() override;
  Result<std::vector<RevokedRecord>> list_revoked(TimePoint expiring_after) override;
  Result<std::vector<OrderRecord>> find_orders_replacing(const std::string& serial) override;
  Result<void> set_renewal_info(const std::string& serial, const std::string& response,
                                TimePoint at) override;
  Result<std::string> find_renewal_info(const std::string& serial) override;
  Result<std::map<std::string, TimePoint>> find_rate_limit_buckets(
      const std::vector<std::string>& keys) override;
  Result<bool> update_rate_limit_buckets(const std::vector<RateLimitBucketChange>& changes) override;
  Result<std::vector<std::pair<std::string, TimePoint>>> list_rate_limit_buckets(const std::string& prefix,
                                                                                 std::size_t limit) override;
  Result<std::size_t> delete_rate_limit_buckets(const std::string& prefix) override;
  Result<bool> has_certificate_for_set(const std::string& identifier_set, TimePoint since) override;
  Result<void> add_series_counts(const std::map<std::string, std::int64_t>& deltas, TimePoint at) override;
  Result<void> set_series_gauges(const std::map<std::string, std::int64_t>& values, TimePoint at) override;
  Result<std::size_t> prune_series(TimePoint minutes_before, TimePoint hours_before) override;
  Result<std::vector<SeriesPoint>> read_series(const std::string& series, SeriesResolution resolution,
                                               TimePoint since) override;
  Result<std::map<std::string, std::int64_t>> read_event_totals() override;
  Result<std::vector<ValidationCounts>> count_validations(SeriesResolution resolution,
                                                          TimePoint since) override;
  Result<std::vector<AccountFailures>> top_failing_accounts(TimePoint since, std::size_t limit) override;
  Result<std::vector<FailingPair>> pairs_closest_to_pausing(TimePoint now, std::size_t limit) override;
  Result<std::uint64_t> count_paused_pairs() override;

  std::uint64_t database_round_trips() const override { return pool_.round_trips(); }
  std::shared_ptr<const metrics::HistogramFamily> transaction_durations() const override {
    auto times = pool_.shared_transaction_times();
    return {times, &times->figures()};
  }

 private:
  PgStore(const std::string& location, std::size_t connections, const StoreOptions& options, int version)
      : pool_(location, connections, options.busy_timeout),
        lease_(options.challenge_lease),
        version_(version) {}

  // The database server's clock in microseconds since the epoch, as SQL: leases of instances on
  // different machines are measured by one clock.
  static constexpr const char* kDatabaseNow = "(extract(epoch from clock_timestamp()) * 1000000)::bigint";
  std::int64_t lease_micros() const { return std::chrono::microseconds(lease_).count(); }

  // `work(connection)` on a pooled connection.
  template <class Work>
  auto with_connection(Work&& work) -> decltype(work(std::declval<pg::Connection&>()));
  // `work(connection)` inside a transaction, committed when it succeeds.
  template <class Work>
  auto in_transaction(Work&& work) -> decltype(work(std::declval<pg::Connection&>()));

  // Rows of the tables, read or written on `c` (inside the caller's transaction when it has one).
  static Result<AccountRecord> load_account(pg::Connection& c, const char* column, const std::string& key);
  static Result<OrderRecord> load_order(pg::Connection& c, const std::string& id);
  static Result<AuthzRecord> load_authz(pg::Connection& c, const std::string& id);
  static Result<std::vector<ChallengeRecord>> load_challenges(pg::Connection& c, const char* condition,
                                                              const pg::Params& params);
  static Result<std::int64_t> insert_account_row(pg::Connection& c, const AccountRecord& account);
  static Result<void> insert_order_rows(pg::Connection& c, const OrderRecord& order,
                                        const std::vector<AuthzRecord>& new_authzs);
  static Result<void> insert_attempt_row(pg::Connection& c, const ValidationAttemptRecord& attempt);
  static Result<PauseEffect> apply_pause_bookkeeping(pg::Connection& c, bool valid,
                                                     const PauseBookkeeping& pause);
  static Result<PauseEffect> pause_locked(pg::Connection& c, std::int64_t account_id,
                                          const IdentifierRecord& identifier, TimePoint now,
                                          std::chrono::seconds grace);
  // Serialises the pause bookkeeping of one pair across instances until the transaction ends.
  static Result<void> lock_pair(pg::Connection& c, std::int64_t account_id,
                                const IdentifierRecord& identifier);
  // After a conditional UPDATE changed nothing: no_such_file_or_directory when `id` is not in
  // `table`, else operation_not_permitted with `why`.
  static common::Error explain_unchanged(pg::Connection& c, const char* table, const char* key,
                                         const std::string& id, const std::string& why);

  pg::Pool pool_;
  const std::chrono::seconds lease_;
  const int version_;
  std::atomic<std::uint64_t> redemptions_{0};  // redeem_nonce calls, to forget expired nonces now and then
};

template <class Work>
auto PgStore::with_connection(Work&& work) -> decltype(work(std::declval<pg::Connection&>())) {
  auto lease = pool_.acquire();
  if (!lease) return std::unexpected(lease.error());
  return work(**lease);
}

template <class Work>
auto PgStore::in_transaction(Work&& work) -> decltype(work(std::declval<pg::Connection&>())) {
  return with_connection([&](pg::Connection& c) -> decltype(work(c)) {
    auto tx = pg::Transaction::begin(c);
    if (!tx) return std::unexpected(tx.error());
    auto done = work(c);
    if (!done) return done;
    if (auto committed = tx->commit(); !committed) return std::unexpected(committed.error());
    return done;
  });
}

}  // namespace cobble::storage
