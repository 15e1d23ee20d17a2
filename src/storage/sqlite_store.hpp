#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "storage/checkpointer.hpp"
#include "storage/columns.hpp"
#include "storage/reader_pool.hpp"
#include "storage/sqlite.hpp"
#include "storage/store.hpp"

// The SQLite Store, private to storage/ (others get it through Store::open). Split over
// sqlite_store.cpp (opening, accounts, certificates), sqlite_store_orders.cpp (orders),
// sqlite_store_authz.cpp (authorizations, challenges, validation attempts), sqlite_store_pauses.cpp,
// sqlite_store_renewals.cpp and sqlite_store_bulk.cpp (insert_bulk).
namespace cobble::storage {

// A nullable time column, as optional values.
std::optional<TimePoint> optional_time(const sql::Statement& row, int column);
// A status column as its enum. Cobble writes only the tokens bind() makes, so an unknown token is
// a hand-edited database: it reads as the terminal state, so a request on such a row fails closed.
AccountStatus account_status(const sql::Statement& row, int column);
OrderStatus order_status(const sql::Statement& row, int column);
AuthzStatus authz_status(const sql::Statement& row, int column);
ChallengeStatus challenge_status(const sql::Statement& row, int column);

class SqliteStore final : public Store {
 public:
  SqliteStore(sql::Database db, int version) : writer_{std::move(db), {}}, version_(version) {
    writer_.db.time_transactions(transaction_times_);
  }
  void set_challenge_lease(std::chrono::seconds lease) { lease_ = lease; }
  // Store::open for a file (or ":memory:").
  static Result<std::unique_ptr<Store>> open(const std::string& path, const StoreOptions& options);

  // Moves checkpoints off the commit path (Checkpointer). Without it, SQLite's automatic
  // checkpoints run inside commits. Call before the store is shared.
  Result<void> start_checkpointer(const std::string& path, const std::string& vfs);
  // Opens the connections the hot-path reads use (ReaderPool). Without them, reads take the
  // writer connection under the lock. Call before the store is shared.
  Result<void> start_readers(const std::string& path, int count, const std::string& vfs);

  Result<int> read_schema_version() override;
  int schema_version() override;
  std::shared_ptr<const metrics::HistogramFamily> transaction_durations() const override {
    return {transaction_times_, &transaction_times_->figures()};
  }

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
  Result<std::vector<IdentifierRecord>> find_paused(
      std::int64_t account_id, const std::vector<IdentifierRecord>& identifiers) override;
  Result<std::vector<IdentifierRecord>> list_paused(std::int64_t account_id, std::size_t limit) override;
  Result<std::size_t> unpause_account(std::int64_t account_id, std::size_t limit, TimePoint now) override;
  Result<PauseEffect> pause_pair(std::int64_t account_id, const IdentifierRecord& identifier, TimePoint now,
                                 std::chrono::seconds grace) override;
  Result<std::vector<std::pair<std::int64_t, std::size_t>>> count_paused(std::size_t limit) override;
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

 private:
  // All below require mu_ held.

  // The writer's prepared statement for `sql`, reset when the returned Cursor goes away.
  Result<sql::Cursor> statement(const std::string& sql) { return writer_.statement(sql); }
  // Runs an UPDATE/INSERT with the given arguments; returns the number of rows changed.
  template <class... Args>
  Result<std::int64_t> execute(const std::string& sql, const Args&... args);
  // After a conditional UPDATE changed nothing: no_such_file_or_directory when `id` is not in
  // `table`, else operation_not_permitted with `why`.
  Result<void> explain_unchanged(const char* table, const char* key, const std::string& id,
                                 const std::string& why);

  // Reads on `c`: the writer (mu_ held) or a leased reader.
  template <class Key>
  static Result<AccountRecord> load_account(Connection& c, const char* column, const Key& key);
  static Result<OrderRecord> load_order(Connection& c, const std::string& id);
  static Result<AuthzRecord> load_authz(Connection& c, const std::string& id);
  static Result<CertificateRecord> load_certificate(Connection& c, const std::string& serial);
  // `read(connection)` on a leased reader, or on the writer under mu_ when there are none.
  template <class Read>
  auto with_reader(Read&& read) -> decltype(read(std::declval<Connection&>()));
  // Challenges matching `condition` (SQL with at most one parameter, bound to `value`), in
  // insertion order.
  static Result<std::vector<ChallengeRecord>> load_challenges(Connection& c, const char* condition,
                                                              const std::optional<std::string>& value);
  Result<void> insert_authz(const AuthzRecord& authz);
  // The INSERTs of create_account, insert_order and finish_challenge's attempt, inside an open
  // transaction (insert_bulk reuses them).
  Result<std::int64_t> insert_account_row(const AccountRecord& account);
  Result<void> insert_order_rows(const OrderRecord& order, const std::vector<AuthzRecord>& new_authzs);
  Result<void> insert_attempt_row(const ValidationAttemptRecord& attempt);
  Result<std::vector<PerspectiveRecord>> load_perspectives(std::int64_t attempt_id);
  // Pause bookkeeping inside an open transaction.
  Result<PauseEffect> apply_pause_bookkeeping(bool valid, const PauseBookkeeping& pause);
  Result<PauseEffect> pause_locked(std::int64_t account_id, const IdentifierRecord& identifier, TimePoint now,
                                   std::chrono::seconds grace);

  // Now, and when a lease taken now ends, in microseconds of the system clock (one machine: one
  // clock; never the fake ACME clock).
  static std::int64_t system_now();
  std::int64_t lease_end() const;

  // The writer's transactions (every write; reads on reader connections are not timed).
  std::shared_ptr<TransactionTimes> transaction_times_ = std::make_shared<TransactionTimes>("sqlite");
  std::chrono::seconds lease_{30};
  std::uint64_t redemptions_ = 0;  // redeem_nonce calls, to forget expired nonces now and then
  std::mutex mu_;                  // serialises every write, and the reads that use the writer, on writer_
  Connection writer_;
  sql::Database& db_ = writer_.db;
  int version_;
  ReaderPool readers_;
  std::unique_ptr<Checkpointer> checkpointer_;  // declared last: stopped first
};

template <class Read>
auto SqliteStore::with_reader(Read&& read) -> decltype(read(std::declval<Connection&>())) {
  if (auto lease = readers_.acquire()) return read(*lease);
  std::lock_guard lock(mu_);
  return read(writer_);
}

template <class... Args>
Result<std::int64_t> SqliteStore::execute(const std::string& sql, const Args&... args) {
  auto cursor = statement(sql);
  if (!cursor) return std::unexpected(cursor.error());
  (*cursor)->bind_all(args...);
  if (auto ran = (*cursor)->run(); !ran) return std::unexpected(ran.error());
  return db_.changes();
}

}  // namespace cobble::storage
