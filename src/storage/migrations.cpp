#include "storage/migrations.hpp"

#include <array>

namespace cobble::storage {
namespace {

using common::fail;
using common::Result;

struct Migration {
  int version;
  const char* sql;
};

// Append only: a released step never changes, a schema change is a new step.
// Conventions: every time is INTEGER microseconds since the Unix epoch (UTC), exact round trips of
// common::TimePoint to the microsecond; ACME ids are TEXT; statuses are RFC 8555 tokens; problem
// documents are opaque JSON text, '' when none.
constexpr std::array kMigrations{
    Migration{1, R"sql(
CREATE TABLE accounts (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  key_thumbprint TEXT NOT NULL UNIQUE,
  jwk            TEXT NOT NULL,
  contacts       TEXT NOT NULL DEFAULT '',  -- newline-joined URLs
  status         TEXT NOT NULL,
  created_at     INTEGER NOT NULL
);

-- seq gives the creation order (an implicit rowid may be renumbered by VACUUM).
CREATE TABLE orders (
  seq                INTEGER PRIMARY KEY AUTOINCREMENT,
  id                 TEXT NOT NULL UNIQUE,
  account_id         INTEGER NOT NULL REFERENCES accounts(id),
  status             TEXT NOT NULL,
  created_at         INTEGER NOT NULL,
  expires            INTEGER NOT NULL,
  not_before         INTEGER,
  not_after          INTEGER,
  error              TEXT NOT NULL DEFAULT '',
  certificate_serial TEXT REFERENCES certificates(serial),
  profile            TEXT NOT NULL DEFAULT ''
);
CREATE INDEX orders_by_account ON orders(account_id, expires);
CREATE INDEX orders_processing ON orders(status) WHERE status = 'processing';

CREATE TABLE order_identifiers (
  order_id TEXT NOT NULL REFERENCES orders(id),
  position INTEGER NOT NULL,
  type     TEXT NOT NULL,
  value    TEXT NOT NULL,
  PRIMARY KEY (order_id, position)
) WITHOUT ROWID;

CREATE TABLE authorizations (
  id               TEXT PRIMARY KEY,
  account_id       INTEGER NOT NULL REFERENCES accounts(id),
  identifier_type  TEXT NOT NULL,
  identifier_value TEXT NOT NULL,
  wildcard         INTEGER NOT NULL CHECK (wildcard IN (0, 1)),
  status           TEXT NOT NULL,
  expires          INTEGER NOT NULL
);
-- Authorization reuse (find_valid_authz): equality on the first five, range on expires.
CREATE INDEX authorizations_reuse
  ON authorizations(account_id, identifier_type, identifier_value, wildcard, status, expires);

CREATE TABLE order_authorizations (
  order_id TEXT NOT NULL REFERENCES orders(id),
  position INTEGER NOT NULL,
  authz_id TEXT NOT NULL REFERENCES authorizations(id),
  PRIMARY KEY (order_id, position)
) WITHOUT ROWID;
CREATE INDEX order_authorizations_by_authz ON order_authorizations(authz_id);

-- seq keeps the challenges of an authorization in insertion order.
CREATE TABLE challenges (
  seq          INTEGER PRIMARY KEY AUTOINCREMENT,
  id           TEXT NOT NULL UNIQUE,
  authz_id     TEXT NOT NULL REFERENCES authorizations(id),
  type         TEXT NOT NULL,
  token        TEXT NOT NULL,
  status       TEXT NOT NULL,
  validated_at INTEGER,
  error        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX challenges_by_authz ON challenges(authz_id, seq);
CREATE INDEX challenges_processing ON challenges(status) WHERE status = 'processing';

CREATE TABLE certificates (
  serial            TEXT PRIMARY KEY,  -- lowercase hex
  account_id        INTEGER NOT NULL REFERENCES accounts(id),
  order_id          TEXT NOT NULL REFERENCES orders(id),
  chain_pem         TEXT NOT NULL,
  key_spki          BLOB NOT NULL,     -- DER SubjectPublicKeyInfo
  not_before        INTEGER NOT NULL,
  not_after         INTEGER NOT NULL,
  revoked_at        INTEGER,           -- NULL while not revoked
  revocation_reason INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX certificates_by_account ON certificates(account_id);
CREATE INDEX certificates_by_order ON certificates(order_id);

CREATE TABLE certificate_identifiers (
  serial   TEXT NOT NULL REFERENCES certificates(serial),
  position INTEGER NOT NULL,
  type     TEXT NOT NULL,
  value    TEXT NOT NULL,
  PRIMARY KEY (serial, position)
) WITHOUT ROWID;
CREATE INDEX certificate_identifiers_by_value ON certificate_identifiers(type, value);

-- Filled by validation (no Store methods yet): one row per attempt, for pausing and debugging.
CREATE TABLE validation_attempts (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id       INTEGER NOT NULL REFERENCES accounts(id),
  identifier_type  TEXT NOT NULL,
  identifier_value TEXT NOT NULL,
  method           TEXT NOT NULL,
  started_at       INTEGER NOT NULL,
  finished_at      INTEGER,
  result           TEXT,
  problem_type     TEXT,
  problem_detail   TEXT,
  addresses        TEXT,
  redirects        TEXT
);
CREATE INDEX validation_attempts_by_identifier
  ON validation_attempts(account_id, identifier_type, identifier_value);
)sql"},
    // Zombie-client pausing (issue #5): one failure bucket (GCRA TAT) and one paused row per
    // (account, identifier) pair; a pair is paused while unpaused_at IS NULL. Rows are reused
    // on re-pause, as Boulder does.
    Migration{2, R"sql(
CREATE TABLE pause_buckets (
  account_id       INTEGER NOT NULL REFERENCES accounts(id),
  identifier_type  TEXT NOT NULL,
  identifier_value TEXT NOT NULL,
  tat              INTEGER NOT NULL,
  PRIMARY KEY (account_id, identifier_type, identifier_value)
) WITHOUT ROWID;
CREATE TABLE paused (
  account_id       INTEGER NOT NULL REFERENCES accounts(id),
  identifier_type  TEXT NOT NULL,
  identifier_value TEXT NOT NULL,
  paused_at        INTEGER NOT NULL,
  unpaused_at      INTEGER,
  PRIMARY KEY (account_id, identifier_type, identifier_value)
) WITHOUT ROWID;
CREATE INDEX paused_by_account ON paused(account_id, paused_at) WHERE unpaused_at IS NULL;
)sql"},
    // External account binding (RFC 8555 §7.3.4): which CA key id bound the account, and the
    // binding as sent (the account object echoes it); '' for accounts made without one.
    Migration{3, R"sql(
ALTER TABLE accounts ADD COLUMN eab_key_id TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN eab_binding TEXT NOT NULL DEFAULT '';
)sql"},
    // ARI (RFC 9773) and CRLs: an order's `replaces` (the certID as sent and the serial it names),
    // operators' renewal-info overrides, and the revoked certificates a CRL lists. Touches only
    // tables of migration 1, so it does not depend on migration 3.
    Migration{4, R"sql(
ALTER TABLE orders ADD COLUMN replaces TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN replaces_serial TEXT NOT NULL DEFAULT '';
CREATE INDEX orders_by_replaced ON orders(replaces_serial) WHERE replaces_serial <> '';
CREATE TABLE renewal_info_overrides (
  serial   TEXT PRIMARY KEY REFERENCES certificates(serial),
  response TEXT NOT NULL,  -- served verbatim (Pebble's /set-renewal-info/ allows any text)
  set_at   INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX certificates_revoked ON certificates(not_after) WHERE revoked_at IS NOT NULL;
)sql"},
    // 5: how often start-up resumed a challenge left processing (note_resumed), so a validation
    // that takes the process down each time it runs is failed instead of resumed for ever.
    Migration{5, R"sql(
ALTER TABLE challenges ADD COLUMN resumed INTEGER NOT NULL DEFAULT 0;
)sql"},
    // 6: the profile an authorization was made under (issue #14): an order reuses only its own
    // profile's authorizations, so each profile's reuse window holds (classic 30 days,
    // tlsserver 7 hours). Existing rows take their first order's profile.
    Migration{6, R"sql(
ALTER TABLE authorizations ADD COLUMN profile TEXT NOT NULL DEFAULT '';
UPDATE authorizations SET profile = coalesce(
  (SELECT o.profile FROM order_authorizations oa JOIN orders o ON o.id = oa.order_id
   WHERE oa.authz_id = authorizations.id ORDER BY o.created_at LIMIT 1), '');
DROP INDEX authorizations_reuse;
CREATE INDEX authorizations_reuse
  ON authorizations(account_id, identifier_type, identifier_value, wildcard, status, profile, expires);
)sql"},
    // 7: each perspective's result of a multi-perspective validation (issue #14), so an operator
    // sees which remote did not corroborate. No rows when the primary validated alone.
    Migration{7, R"sql(
CREATE TABLE validation_perspectives (
  attempt_id     INTEGER NOT NULL REFERENCES validation_attempts(id),
  position       INTEGER NOT NULL,
  name           TEXT NOT NULL,
  rir            TEXT NOT NULL,
  result         TEXT NOT NULL,
  problem_type   TEXT NOT NULL,
  problem_detail TEXT NOT NULL,
  PRIMARY KEY (attempt_id, position)
) WITHOUT ROWID;
)sql"},
    // 8: which intermediate signed each certificate (issue #14: Let's Encrypt's several
    // intermediates per key type), so each one's CRL lists its own. '' is the single issuer.
    Migration{8, R"sql(
ALTER TABLE certificates ADD COLUMN issuer TEXT NOT NULL DEFAULT '';
)sql"},
    // 9: rate-limit buckets (issue #15): a GCRA theoretical arrival time per bucket key; a full
    // bucket has no row. Kept in the database so limits survive restarts and hold across instances.
    // Certificates keep their exact identifier set's key, so a renewal of the same set within 120
    // days is found by an index.
    Migration{9, R"sql(
CREATE TABLE rate_limit_buckets (
  key TEXT PRIMARY KEY,
  tat INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX rate_limit_buckets_tat ON rate_limit_buckets(tat);
ALTER TABLE certificates ADD COLUMN identifier_set TEXT NOT NULL DEFAULT '';
CREATE INDEX certificates_identifier_set ON certificates(identifier_set, not_before);
)sql"},
    // 10: several instances on one database (issue #16). Files every instance must hold alike
    // (CA, HTTPS identity, unpause key), published once by the first instance; nonces already
    // redeemed, kept until they expire; and each processing challenge's validation lease (its
    // instance and until when, microseconds of the database's clock).
    Migration{10, R"sql(
CREATE TABLE shared_files (
  grp     TEXT NOT NULL,
  name    TEXT NOT NULL,
  content BLOB NOT NULL,
  PRIMARY KEY (grp, name)
) WITHOUT ROWID;
CREATE TABLE used_nonces (
  nonce   TEXT PRIMARY KEY,
  expires INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX used_nonces_expires ON used_nonces(expires);
ALTER TABLE challenges ADD COLUMN lease_owner TEXT NOT NULL DEFAULT '';
ALTER TABLE challenges ADD COLUMN lease_expires INTEGER NOT NULL DEFAULT 0;
)sql"},
    // 11: run-time settings an operator changed on one instance (chaos, log level, fake clock,
    // rate-limit overrides), numbered so every instance applies each change once, in order; and
    // since when an order has its status, so an order left processing by an instance that died is
    // told from one another instance is finalizing right now.
    Migration{11, R"sql(
ALTER TABLE orders ADD COLUMN status_since INTEGER NOT NULL DEFAULT 0;
CREATE TABLE deployment_settings (
  name    TEXT PRIMARY KEY,
  value   TEXT NOT NULL,
  version INTEGER NOT NULL
) WITHOUT ROWID;
)sql"},
    // 12: the operator dashboard (issue #17): figures per minute (kept a day) and per hour (kept 30
    // days) that every instance adds to; totals since the database began; and indexes for the
    // dashboard's reads of validation attempts by time (covering: time, result, account) and of
    // the pause buckets nearest to pausing. bucket_start is in whole seconds, unlike the other
    // times: a bucket is a whole minute or hour.
    Migration{12, R"sql(
CREATE TABLE metric_series (
  series       TEXT NOT NULL,
  resolution   INTEGER NOT NULL,  -- seconds per bucket: 60 or 3600
  bucket_start INTEGER NOT NULL,  -- seconds since the epoch, a multiple of resolution
  value        INTEGER NOT NULL,
  PRIMARY KEY (series, resolution, bucket_start)
) WITHOUT ROWID;
CREATE TABLE event_totals (
  name  TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX validation_attempts_finished ON validation_attempts(finished_at, result, account_id);
CREATE INDEX pause_buckets_tat ON pause_buckets(tat);
)sql"},
};

Result<bool> has_table(sql::Database& db, const char* name) {
  auto statement =
      sql::Statement::prepare(db.handle(), "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?");
  if (!statement) return std::unexpected(statement.error());
  return statement->bind(1, name).step();
}

Result<bool> has_any_table(sql::Database& db) {
  auto statement = sql::Statement::prepare(db.handle(), "SELECT 1 FROM sqlite_master WHERE type = 'table'");
  if (!statement) return std::unexpected(statement.error());
  return statement->step();
}

Result<void> set_version(sql::Database& db, int version) {
  auto statement = sql::Statement::prepare(db.handle(), "UPDATE schema_version SET version = ?");
  if (!statement) return std::unexpected(statement.error());
  return statement->bind(1, version).run();
}

// Creates schema_version with version 0 in a new database.
Result<void> bootstrap(sql::Database& db, const std::string& path) {
  auto tx = sql::Transaction::begin(db);
  if (!tx) return std::unexpected(tx.error());
  auto exists = has_table(db, "schema_version");
  if (!exists) return std::unexpected(exists.error());
  if (*exists) return {};
  auto other = has_any_table(db);
  if (!other) return std::unexpected(other.error());
  if (*other)
    return fail(std::errc::invalid_argument,
                path + " is a SQLite database but not cobble's (no schema_version)");
  auto created = db.exec(
      "CREATE TABLE schema_version (version INTEGER NOT NULL); INSERT INTO schema_version VALUES (0)");
  if (!created) return created;
  return tx->commit();
}

}  // namespace

int latest_schema_version() { return kMigrations.back().version; }

Result<int> read_schema_version(sql::Database& db) {
  auto exists = has_table(db, "schema_version");
  if (!exists) return std::unexpected(exists.error());
  if (!*exists) return 0;
  auto statement = sql::Statement::prepare(db.handle(), "SELECT max(version) FROM schema_version");
  if (!statement) return std::unexpected(statement.error());
  auto row = statement->step();
  if (!row) return std::unexpected(row.error());
  return *row ? static_cast<int>(statement->int64(0)) : 0;
}

Result<int> migrate(sql::Database& db, const std::string& path) {
  if (auto created = bootstrap(db, path); !created) return std::unexpected(created.error());
  for (const Migration& step : kMigrations) {
    // Read inside the write transaction: another process may have migrated meanwhile.
    auto tx = sql::Transaction::begin(db);
    if (!tx) return std::unexpected(tx.error());
    auto current = read_schema_version(db);
    if (!current) return std::unexpected(current.error());
    if (*current > latest_schema_version()) {
      return fail(std::errc::not_supported, "database schema version " + std::to_string(*current) +
                                                " is newer than this cobble supports (" +
                                                std::to_string(latest_schema_version()) +
                                                "); upgrade cobble");
    }
    if (*current >= step.version) continue;
    if (auto applied = db.exec(step.sql); !applied) {
      return fail(applied.error().code, "migration " + std::to_string(step.version) + " of " + path +
                                            " failed: " + applied.error().message);
    }
    if (auto recorded = set_version(db, step.version); !recorded) return std::unexpected(recorded.error());
    if (auto committed = tx->commit(); !committed) return std::unexpected(committed.error());
  }
  return read_schema_version(db);
}

}  // namespace cobble::storage
