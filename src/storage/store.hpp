#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "metrics/family.hpp"
#include "storage/records.hpp"

namespace cobble::storage {

using common::Result;

// How hard a commit works to survive a crash. Both survive the process dying (kill -9, a crash):
// SQLite's WAL is written before a commit returns. `sync_every_commit` also fsyncs the WAL at each
// commit (synchronous=FULL), so a power loss or kernel crash loses nothing either; without it
// (synchronous=NORMAL) the WAL is synced at checkpoints and such a crash may lose the last commits.
// A test CA rarely needs the latter, and each fsync costs a few ms under the Store's one lock.
struct StoreOptions {
  bool sync_every_commit = false;
  // Runs PRAGMA quick_check at open, which reads every page: ~2 s per GB. Without it, open reads
  // the header and the schema only, which catches a file that is not a database (or not Cobble's);
  // damage deeper in the file shows as an error on the request that reaches it.
  bool check_every_page = false;
  // The SQLite VFS every connection uses; "" = the default. Tests use a FaultInjectingVfs.
  std::string vfs;
  // How long a write waits for another process's lock before failing with
  // resource_unavailable_try_again.
  std::chrono::milliseconds busy_timeout{5000};
  // How long a validation lease lasts without renewal (Store::renew_challenge_leases).
  std::chrono::seconds challenge_lease{30};
};

// Durable state of the CA. Every method is one transaction: on success everything it describes is
// committed (and survives kill -9; see StoreOptions for power loss), on failure nothing is.
// Thread-safe: writes are serialised on one connection; the request path's reads use a pool of
// reader connections that see every committed write (docs/architecture.md says why, measured).
//
// Errors (common::Error::code):
//   errc::no_such_file_or_directory  the record does not exist (find_*, update_*), or one an insert
//                                     refers to (account, reused authorization) does not
//   errc::file_exists                 a unique key is taken (key thumbprint, serial)
//   errc::operation_not_permitted     a conditional update found the row in another state
//   errc::resource_unavailable_try_again  the database stayed busy or locked past the busy timeout
//   errc::no_space_on_device          the disk (or the database's size limit) is full
//   errc::io_error                    any other SQLite failure (message has SQLite's text)
// Times are kept to the microsecond (finer parts are truncated).
// The newest schema version this binary knows (the number of migrations, the same in both
// dialects).
int latest_schema_version();

// Whether `location` names a PostgreSQL database (else an SQLite file).
bool is_postgresql_location(const std::string& location);
// `location` as logs and errors may show it: a PostgreSQL password is replaced by "***".
std::string printable_location(const std::string& location);

class Store {
 public:
  // Opens the database at `location` and applies pending migrations in order:
  //   - "postgresql://user:password@host:port/db" (or "postgres://", any libpq URI): PostgreSQL,
  //     shared by any number of instances (pg_store.hpp); `busy_timeout` is how long a request
  //     waits for one of the instance's connections;
  //   - anything else: an SQLite file, created if missing (":memory:" allowed), with WAL, foreign
  //     keys and a busy timeout.
  // Fails with errc::invalid_argument when it is not (or not cobble's) database or is corrupt,
  // errc::not_supported when its schema version is newer than this binary knows, and
  // errc::resource_unavailable_try_again when PostgreSQL cannot be reached.
  static Result<std::unique_ptr<Store>> open(const std::string& location, const StoreOptions& options = {});
  virtual ~Store() = default;

  // The version this Store migrated to at open.
  virtual int schema_version() = 0;
  // The version recorded in the database now: a round trip to the database (readiness checks).
  virtual Result<int> read_schema_version() = 0;

  // Accounts (RFC 8555 §7.3). create_account assigns `id` (1, 2, ...) and returns it.
  virtual Result<std::int64_t> create_account(const AccountRecord& account) = 0;
  virtual Result<AccountRecord> find_account(std::int64_t id) = 0;
  virtual Result<AccountRecord> find_account_by_thumbprint(const std::string& thumbprint) = 0;
  virtual Result<void> update_account_contacts(std::int64_t id, const std::vector<std::string>& contacts) = 0;
  virtual Result<void> update_account_status(std::int64_t id, AccountStatus status) = 0;
  // Key rollover (§7.3.5): file_exists when another account holds `thumbprint`.
  virtual Result<void> update_account_key(std::int64_t id, const std::string& thumbprint,
                                          const std::string& jwk) = 0;

  // Orders and authorizations (§7.4). Inserts the order and the authorizations in `new_authzs`
  // (with their challenges) in one transaction; the order's authz_ids may also name existing,
  // reused authorizations. file_exists when an order, authorization or challenge id is taken.
  // With `check` (an order with replaces_serial), operation_not_permitted, nothing stored, when the
  // orders replacing that serial are no longer exactly check.replacing_orders.
  virtual Result<void> insert_order(const OrderRecord& order, const std::vector<AuthzRecord>& new_authzs,
                                    const ReplacementCheck& check) = 0;
  Result<void> insert_order(const OrderRecord& order, const std::vector<AuthzRecord>& new_authzs) {
    return insert_order(order, new_authzs, ReplacementCheck{});
  }
  virtual Result<OrderRecord> find_order(const std::string& id) = 0;
  // Order ids of an account, oldest first, skipping the first `offset`, at most `limit`; only
  // orders whose expires > `now` (§7.1.2.1 lists pending and current orders).
  virtual Result<std::vector<std::string>> list_order_ids(std::int64_t account_id, TimePoint now,
                                                          std::size_t offset, std::size_t limit) = 0;
  // Moves the stored order status from `from` to `to` (noting when); operation_not_permitted when
  // it is not `from`.
  virtual Result<void> transition_order(const std::string& id, OrderStatus from, OrderStatus to) = 0;
  // Finishes finalization: status "valid" with the certificate inserted (its order_id is `id`), in
  // one transaction. operation_not_permitted unless the stored status is "pending" (ready: the
  // caller checked its authorizations) or "processing" (left so by a cobble before 2026-12);
  // file_exists when the serial is taken (the order keeps its status).
  virtual Result<void> complete_order(const std::string& id, const CertificateRecord& certificate) = 0;
  // Status "invalid" with `error_json`; operation_not_permitted when the order is already "valid".
  virtual Result<void> fail_order(const std::string& id, const std::string& error_json) = 0;

  virtual Result<AuthzRecord> find_authz(const std::string& id) = 0;
  // A valid, unexpired authorization matching the query, the one expiring last;
  // no_such_file_or_directory when none.
  virtual Result<AuthzRecord> find_valid_authz(const AuthzReuseQuery& query) = 0;
  virtual Result<void> update_authz_status(const std::string& id, AuthzStatus status) = 0;

  virtual Result<ChallengeRecord> find_challenge(const std::string& id) = 0;
  // pending → processing, leased to `lease_owner` (an instance) for StoreOptions::challenge_lease
  // from now; operation_not_permitted if the challenge was not pending.
  virtual Result<void> start_challenge(const std::string& id, const std::string& lease_owner) = 0;
  // Records a validation outcome in one transaction: the challenge becomes valid (validated_at =
  // `at`) or invalid (with `error_json`), and its authorization likewise if still "pending" (a
  // deactivated one stays so); `attempt` (when given) is added to validation_attempts and `pause`
  // (when given) is applied. Returns what the pause bookkeeping did (none without it).
  // operation_not_permitted unless the challenge is "processing".
  virtual Result<PauseEffect> finish_challenge(const ChallengeOutcomeRecord& outcome) = 0;
  // The newest `limit` validation attempts of an account for an identifier, newest first.
  virtual Result<std::vector<ValidationAttemptRecord>> list_validation_attempts(
      std::int64_t account_id, const IdentifierRecord& identifier, std::size_t limit) = 0;
  // Bulk loading (cobble-populate fills a database for scale benchmarks): inserts the accounts,
  // then the orders with their new authorizations and challenges, then the validation attempts
  // (their `id` is ignored), all in one transaction, so a batch of many rows costs one commit
  // instead of one per row. All or nothing; errors as create_account, insert_order and
  // finish_challenge's attempt (file_exists, no_such_file_or_directory). Returns the ids given
  // to the accounts, in order.
  virtual Result<std::vector<std::int64_t>> insert_bulk(const BulkRows& rows) = 0;
  // Validation leases (issue #16): a processing challenge belongs to the instance that started it
  // while its lease runs; the owner renews its leases while it lives, and a lease that ran out
  // (its instance died) is claimed by another, which validates it again. Lease times come from the
  // database's clock (one clock for every instance), never from a fake ACME clock.
  // Extends every lease `owner` holds by challenge_lease from now; returns how many.
  virtual Result<std::size_t> renew_challenge_leases(const std::string& owner) = 0;
  // Takes up to `claim.limit` processing challenges (all of them, or those whose lease ran out) for
  // `claim.owner`, counting one more resumption of each, committed before the validation runs
  // again, so that a validation which takes the process down every time is noticed. Concurrent
  // claims never take the same challenge.
  virtual Result<std::vector<ClaimedChallenge>> claim_challenges(const ChallengeClaim& claim) = 0;
  // Orders "processing" for at least `older_than` (finalize interrupted: at start-up of the only
  // instance every one, 0 s; with several instances those whose finalize must have died with its
  // instance), for recovery. Measured by the database's clock, like validation leases.
  virtual Result<std::vector<std::string>> find_processing_orders(std::chrono::seconds older_than) = 0;

  // Paused (account, identifier) pairs (issue #5).
  // Which of `identifiers` are paused for the account.
  virtual Result<std::vector<IdentifierRecord>> find_paused(
      std::int64_t account_id, const std::vector<IdentifierRecord>& identifiers) = 0;
  // The account's paused identifiers, oldest pause first, at most `limit`.
  virtual Result<std::vector<IdentifierRecord>> list_paused(std::int64_t account_id, std::size_t limit) = 0;
  // Unpauses at most `limit` of the account's paused pairs in one transaction; returns how many.
  virtual Result<std::size_t> unpause_account(std::int64_t account_id, std::size_t limit, TimePoint now) = 0;
  // Pauses a pair (operators), honouring the grace period like a denied spend does.
  virtual Result<PauseEffect> pause_pair(std::int64_t account_id, const IdentifierRecord& identifier,
                                         TimePoint now, std::chrono::seconds grace) = 0;
  // Accounts with paused pairs and how many each has, most first, at most `limit` accounts.
  virtual Result<std::vector<std::pair<std::int64_t, std::size_t>>> count_paused(std::size_t limit) = 0;

  // Certificates and revocation (§7.4.2, §7.6).
  virtual Result<CertificateRecord> find_certificate(const std::string& serial) = 0;
  // operation_not_permitted when already revoked.
  virtual Result<void> revoke_certificate(const std::string& serial, int reason, TimePoint at) = 0;

  // Deletes every row of every table but schema_version and shared_files (the deployment's keys):
  // accounts, orders, authorizations, challenges, certificates, validation attempts, pause state,
  // and whatever later migrations add,
  // in one transaction, as a restart of Pebble would. The schema stays; account ids keep counting
  // (an old account URL never names a new account).
  virtual Result<void> reset() = 0;
  // Revoked certificates whose not_after is later than `expiring_after`, by serial (CRLs).
  virtual Result<std::vector<RevokedRecord>> list_revoked(TimePoint expiring_after) = 0;

  // ARI (RFC 9773). Orders whose `replaces_serial` is `serial`, oldest first.
  virtual Result<std::vector<OrderRecord>> find_orders_replacing(const std::string& serial) = 0;
  // An operator's renewal-info response for a certificate, replacing any earlier one;
  // no_such_file_or_directory when no certificate has this serial.
  virtual Result<void> set_renewal_info(const std::string& serial, const std::string& response,
                                        TimePoint at) = 0;
  // The response set_renewal_info stored; no_such_file_or_directory when there is none.
  virtual Result<std::string> find_renewal_info(const std::string& serial) = 0;

  // Rate-limit buckets (issue #15), by key ("NewOrdersPerAccount:42"): each holds a GCRA
  // theoretical arrival time; no row is a full bucket.
  // The stored TAT of each of `keys` that has one.
  virtual Result<std::map<std::string, TimePoint>> find_rate_limit_buckets(
      const std::vector<std::string>& keys) = 0;
  // Every change in one transaction if each bucket still holds its `expected` TAT (compare and
  // set, so concurrent spends never both take the last token); false, with nothing written, when
  // one does not.
  virtual Result<bool> update_rate_limit_buckets(const std::vector<RateLimitBucketChange>& changes) = 0;
  // Buckets whose key starts with `prefix` ("" = all), latest TAT first (the emptiest first), at
  // most `limit`.
  virtual Result<std::vector<std::pair<std::string, TimePoint>>> list_rate_limit_buckets(
      const std::string& prefix, std::size_t limit) = 0;
  // Whether a certificate with this identifier_set was issued (not_before) at or after `since`.
  virtual Result<bool> has_certificate_for_set(const std::string& identifier_set, TimePoint since) = 0;
  // Deletes (refills) the buckets whose key starts with `prefix`; returns how many.
  virtual Result<std::size_t> delete_rate_limit_buckets(const std::string& prefix) = 0;

  // Anti-replay (issue #16): records `nonce` as used until `expires`; false when it was already
  // used. Exactly one of any number of concurrent redemptions of one nonce, on any instance,
  // returns true. Now and then also forgets nonces whose `expires` is before `now`.
  virtual Result<bool> redeem_nonce(const std::string& nonce, TimePoint expires, TimePoint now) = 0;

  // Run-time settings shared by the instances (issue #16): sets `name` to `value` with the next
  // version of the deployment (changes are numbered in the order they commit); returns that version.
  virtual Result<std::int64_t> put_deployment_setting(const std::string& name, const std::string& value) = 0;
  // The settings changed after `after_version`, oldest change first (0: all).
  virtual Result<std::vector<DeploymentSetting>> list_deployment_settings(std::int64_t after_version) = 0;

  // Statements sent to a database server by this Store so far (0 for SQLite, which runs in the
  // process): benchmarks divide it by flows.
  virtual std::uint64_t database_round_trips() const { return 0; }
  // How long this Store's write transactions took (by database and outcome); null: not timed.
  virtual std::shared_ptr<const metrics::HistogramFamily> transaction_durations() const { return nullptr; }

  // Counts of accounts, certificates, paused pairs and leased validations in the database.
  virtual Result<DeploymentFigures> deployment_figures() = 0;

  // Files every instance must hold alike (the CA, the HTTPS identity, the unpause key; issue #16),
  // by group. The group's files by name; empty when none were published.
  virtual Result<std::map<std::string, std::string>> find_shared_files(const std::string& group) = 0;
  // Publishes a group's files, all or none: false, with nothing written, when the group (any file
  // of it) is already published, so of instances racing at first start exactly one publishes.
  virtual Result<bool> publish_shared_files(const std::string& group,
                                            const std::map<std::string, std::string>& files) = 0;

  // The operator dashboard (issue #17). Time series in minute and hour buckets (records.hpp), kept
  // for the whole deployment: every instance adds its own counts, so concurrent writes add up.
  // Adds each delta to its series' minute and hour buckets holding `at` and to its event total,
  // all in one transaction.
  virtual Result<void> add_series_counts(const std::map<std::string, std::int64_t>& deltas, TimePoint at) = 0;
  // Sets each gauge's minute and hour buckets holding `at` to its value (the latest sample wins).
  virtual Result<void> set_series_gauges(const std::map<std::string, std::int64_t>& values, TimePoint at) = 0;
  // Deletes the minute buckets that start before `minutes_before` and the hour buckets that start
  // before `hours_before`; returns how many.
  virtual Result<std::size_t> prune_series(TimePoint minutes_before, TimePoint hours_before) = 0;
  // The stored buckets of `series` from the one holding `since` on, oldest first (a bucket nothing
  // was written to has no point).
  virtual Result<std::vector<SeriesPoint>> read_series(const std::string& series, SeriesResolution resolution,
                                                       TimePoint since) = 0;
  // Each series' total of every count ever added (never pruned), by name.
  virtual Result<std::map<std::string, std::int64_t>> read_event_totals() = 0;
  // Validation attempts that finished from the bucket holding `since` on, counted per bucket by
  // result, oldest first (buckets without attempts are left out).
  virtual Result<std::vector<ValidationCounts>> count_validations(SeriesResolution resolution,
                                                                  TimePoint since) = 0;
  // The `limit` accounts with the most failed validation attempts finished at or after `since`,
  // most first (ties: lowest account id first).
  virtual Result<std::vector<AccountFailures>> top_failing_accounts(TimePoint since, std::size_t limit) = 0;
  // The `limit` pairs not paused whose failure bucket's TAT is latest and after `now` (with one
  // policy for all, those with the fewest failures left before a pause), latest first.
  virtual Result<std::vector<FailingPair>> pairs_closest_to_pausing(TimePoint now, std::size_t limit) = 0;
  // How many pairs are paused now (an indexed count: cheap enough to sample every few seconds).
  virtual Result<std::uint64_t> count_paused_pairs() = 0;
};

}  // namespace cobble::storage
