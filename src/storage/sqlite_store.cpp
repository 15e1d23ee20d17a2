#include "storage/sqlite_store.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>

#include "storage/migrations.hpp"

namespace cobble::storage {
namespace {

using common::fail;
using Lock = std::lock_guard<std::mutex>;

// The first column of the first row of `sql` as text.
Result<std::string> query_text(sql::Database& db, const char* sql) {
  auto statement = sql::Statement::prepare(db.handle(), sql);
  if (!statement) return std::unexpected(statement.error());
  auto row = statement->step();
  if (!row) return std::unexpected(row.error());
  return *row ? statement->text(0) : std::string();
}

// SQLite reads the file lazily: the first statements are where a non-database shows.
bool is_not_a_database(sql::Database& db) {
  int code = sqlite3_errcode(db.handle()) & 0xff;
  return code == SQLITE_NOTADB || code == SQLITE_CORRUPT;
}

Result<sql::Database> open_checked(const std::string& path, const StoreOptions& options) {
  if (path != ":memory:" && !path.starts_with("file:")) {
    std::filesystem::path parent = std::filesystem::path(path).parent_path();
    std::error_code ec;
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    if (ec)
      return fail(std::errc::io_error, "cannot create directory " + parent.string() + ": " + ec.message());
  }
  auto db = sql::Database::open(path, options.vfs);
  if (!db) return db;
  sqlite3_busy_timeout(db->handle(), static_cast<int>(options.busy_timeout.count()));
  auto mode = query_text(*db, "PRAGMA journal_mode = WAL");
  if (mode && path != ":memory:" && mode != "wal") {
    return fail(std::errc::io_error, "cannot put " + path + " in WAL mode (journal_mode is " + *mode + ")");
  }
  auto check = !mode ? mode
               : options.check_every_page
                   ? query_text(*db, "PRAGMA quick_check")
                   : query_text(*db, "SELECT 'ok' FROM (SELECT count(*) FROM sqlite_schema)");
  if (!check || *check != "ok") {
    if (check || is_not_a_database(*db)) {
      return fail(std::errc::invalid_argument, path + " is not a cobble database or is corrupt: " +
                                                   (check ? *check : check.error().message));
    }
    return std::unexpected(check.error());
  }
  // Per connection: FULL syncs the WAL at every commit, NORMAL at checkpoints (StoreOptions).
  const char* pragmas = options.sync_every_commit ? "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON"
                                                  : "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON";
  if (auto set = db->exec(pragmas); !set) {
    return std::unexpected(set.error());
  }
  return db;
}

}  // namespace

std::optional<TimePoint> optional_time(const sql::Statement& row, int column) {
  if (row.is_null(column)) return std::nullopt;
  return from_micros(row.int64(column));
}

AccountStatus account_status(const sql::Statement& row, int column) {
  return common::parse_account_status(row.text(column)).value_or(AccountStatus::deactivated);
}
OrderStatus order_status(const sql::Statement& row, int column) {
  return common::parse_order_status(row.text(column)).value_or(OrderStatus::invalid);
}
AuthzStatus authz_status(const sql::Statement& row, int column) {
  return common::parse_authz_status(row.text(column)).value_or(AuthzStatus::invalid);
}
ChallengeStatus challenge_status(const sql::Statement& row, int column) {
  return common::parse_challenge_status(row.text(column)).value_or(ChallengeStatus::invalid);
}

Result<std::unique_ptr<Store>> SqliteStore::open(const std::string& path, const StoreOptions& options) {
  auto db = open_checked(path, options);
  if (!db) return std::unexpected(db.error());
  auto version = migrate(*db, path);
  if (!version) return std::unexpected(version.error());
  auto store = std::make_unique<SqliteStore>(std::move(*db), *version);
  store->set_challenge_lease(options.challenge_lease);
  if (path != ":memory:" && !path.starts_with("file:")) {
    if (auto started = store->start_checkpointer(path, options.vfs); !started) {
      spdlog::warn("cannot start the background checkpointer on {} ({}); commits checkpoint instead", path,
                   started.error().message);
    }
    if (auto started = store->start_readers(path, 4, options.vfs); !started) {
      spdlog::warn("cannot open reader connections to {} ({}); reads use the one connection", path,
                   started.error().message);
    }
  }
  return store;
}

Result<void> SqliteStore::start_checkpointer(const std::string& path, const std::string& vfs) {
  auto started = Checkpointer::start(path, mu_, std::chrono::milliseconds(100), 1000, vfs);
  if (!started) return std::unexpected(started.error());
  // Declared after `started`, so released before a checkpointer not kept is stopped (its thread
  // may be waiting for this lock).
  Lock lock(mu_);
  // The checkpointer rewinds the WAL at 1,000 frames. When its thread gets no CPU (a saturated
  // machine), the WAL would grow for as long as it waits: past 10,000 frames (~40 MB) the committing
  // writer checkpoints itself, under its own lock, so the WAL's size stays bounded whatever the load.
  if (auto backstop = db_.exec("PRAGMA wal_autocheckpoint = 10000"); !backstop) return backstop;
  checkpointer_ = std::move(*started);
  return {};
}

Result<void> SqliteStore::start_readers(const std::string& path, int count, const std::string& vfs) {
  return readers_.open(path, count, vfs);
}

Result<int> SqliteStore::read_schema_version() {
  Lock lock(mu_);
  return storage::read_schema_version(db_);
}

int SqliteStore::schema_version() {
  Lock lock(mu_);
  return version_;
}

Result<void> SqliteStore::explain_unchanged(const char* table, const char* key, const std::string& id,
                                            const std::string& why) {
  auto cursor = statement(std::string("SELECT 1 FROM ") + table + " WHERE " + key + " = ?");
  if (!cursor) return std::unexpected(cursor.error());
  auto row = (*cursor)->bind(1, id).step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return fail(std::errc::no_such_file_or_directory, std::string(table) + " " + id + " not found");
  return fail(std::errc::operation_not_permitted, std::string(table) + " " + id + ": " + why);
}

// Accounts

Result<std::int64_t> SqliteStore::create_account(const AccountRecord& account) {
  Lock lock(mu_);
  return insert_account_row(account);
}

Result<std::int64_t> SqliteStore::insert_account_row(const AccountRecord& account) {
  auto inserted = execute(
      "INSERT INTO accounts (key_thumbprint, jwk, contacts, status, created_at, eab_key_id, eab_binding) "
      "VALUES (?, ?, ?, ?, ?, ?, ?)",
      account.key_thumbprint, account.jwk, join_lines(account.contacts), account.status,
      to_micros(account.created_at), account.eab_key_id, account.eab_binding);
  if (!inserted) return std::unexpected(inserted.error());
  return sqlite3_last_insert_rowid(db_.handle());
}

template <class Key>
Result<AccountRecord> SqliteStore::load_account(Connection& c, const char* column, const Key& key) {
  auto cursor =
      c.statement(std::string("SELECT id, key_thumbprint, jwk, contacts, status, created_at, eab_key_id, "
                              "eab_binding FROM accounts WHERE ") +
                  column + " = ?");
  if (!cursor) return std::unexpected(cursor.error());
  sql::Statement& row = **cursor;
  auto found = row.bind(1, key).step();
  if (!found) return std::unexpected(found.error());
  if (!*found)
    return fail(std::errc::no_such_file_or_directory, std::string("no account with this ") + column);
  return AccountRecord{.id = row.int64(0),
                       .key_thumbprint = row.text(1),
                       .jwk = row.text(2),
                       .contacts = split_lines(row.text(3)),
                       .status = account_status(row, 4),
                       .created_at = from_micros(row.int64(5)),
                       .eab_key_id = row.text(6),
                       .eab_binding = row.text(7)};
}

Result<AccountRecord> SqliteStore::find_account(std::int64_t id) {
  return with_reader([&](Connection& c) { return load_account(c, "id", id); });
}

Result<AccountRecord> SqliteStore::find_account_by_thumbprint(const std::string& thumbprint) {
  return with_reader([&](Connection& c) { return load_account(c, "key_thumbprint", thumbprint); });
}

namespace {
Result<void> one_row_or_missing(Result<std::int64_t> changed, const char* what, std::int64_t id) {
  if (!changed) return std::unexpected(changed.error());
  if (*changed == 0)
    return fail(std::errc::no_such_file_or_directory,
                std::string(what) + " " + std::to_string(id) + " not found");
  return {};
}
}  // namespace

Result<void> SqliteStore::update_account_contacts(std::int64_t id, const std::vector<std::string>& contacts) {
  Lock lock(mu_);
  return one_row_or_missing(
      execute("UPDATE accounts SET contacts = ? WHERE id = ?", join_lines(contacts), id), "account", id);
}

Result<void> SqliteStore::update_account_status(std::int64_t id, AccountStatus status) {
  Lock lock(mu_);
  return one_row_or_missing(execute("UPDATE accounts SET status = ? WHERE id = ?", status, id), "account",
                            id);
}

Result<void> SqliteStore::update_account_key(std::int64_t id, const std::string& thumbprint,
                                             const std::string& jwk) {
  Lock lock(mu_);
  return one_row_or_missing(
      execute("UPDATE accounts SET key_thumbprint = ?, jwk = ? WHERE id = ?", thumbprint, jwk, id), "account",
      id);
}

// Certificates

Result<CertificateRecord> SqliteStore::find_certificate(const std::string& serial) {
  return with_reader([&](Connection& c) { return load_certificate(c, serial); });
}

Result<CertificateRecord> SqliteStore::load_certificate(Connection& c, const std::string& serial) {
  // One snapshot for both reads; read-only, so the guard's rollback ends it.
  auto tx = sql::Transaction::begin(c.db, sql::Transaction::Mode::deferred);
  if (!tx) return std::unexpected(tx.error());
  CertificateRecord certificate;
  {
    auto cursor = c.statement(
        "SELECT serial, account_id, order_id, chain_pem, key_spki, not_before, not_after, revoked_at, "
        "revocation_reason, issuer, identifier_set FROM certificates WHERE serial = ?");
    if (!cursor) return std::unexpected(cursor.error());
    sql::Statement& row = **cursor;
    auto found = row.bind(1, serial).step();
    if (!found) return std::unexpected(found.error());
    if (!*found) return fail(std::errc::no_such_file_or_directory, "certificate " + serial + " not found");
    certificate = CertificateRecord{
        .serial = row.text(0),
        .account_id = row.int64(1),
        .order_id = row.text(2),
        .chain_pem = row.text(3),
        .key_spki = row.text(4),
        .not_before = from_micros(row.int64(5)),
        .not_after = from_micros(row.int64(6)),
        .revoked_at = row.is_null(7) ? std::nullopt : std::optional(from_micros(row.int64(7))),
        .revocation_reason = static_cast<int>(row.int64(8)),
        .issuer = row.text(9),
        .identifier_set = row.text(10)};
  }
  auto cursor =
      c.statement("SELECT type, value FROM certificate_identifiers WHERE serial = ? ORDER BY position");
  if (!cursor) return std::unexpected(cursor.error());
  (*cursor)->bind(1, serial);
  while (true) {
    auto row = (*cursor)->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    certificate.identifiers.push_back({(*cursor)->text(0), (*cursor)->text(1)});
  }
  return certificate;
}

Result<void> SqliteStore::revoke_certificate(const std::string& serial, int reason, TimePoint at) {
  Lock lock(mu_);
  auto tx = sql::Transaction::begin(db_);
  if (!tx) return std::unexpected(tx.error());
  auto changed = execute(
      "UPDATE certificates SET revoked_at = ?, revocation_reason = ? WHERE serial = ? AND revoked_at IS NULL",
      to_micros(at), reason, serial);
  if (!changed) return std::unexpected(changed.error());
  if (*changed == 0) return explain_unchanged("certificates", "serial", serial, "already revoked");
  return tx->commit();
}

// Reset

Result<void> SqliteStore::reset() {
  Lock lock(mu_);
  std::vector<std::string> tables;
  {
    auto cursor = statement(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN ('schema_version', "
        "'shared_files') "
        "AND name NOT LIKE 'sqlite_%'");
    if (!cursor) return std::unexpected(cursor.error());
    while (true) {
      auto row = (*cursor)->step();
      if (!row) return std::unexpected(row.error());
      if (!*row) break;
      tables.push_back((*cursor)->text(0));
    }
  }
  auto tx = sql::Transaction::begin(db_);
  if (!tx) return std::unexpected(tx.error());
  // Rows reference each other; checking foreign keys at commit lets the tables go in any order.
  if (auto deferred = db_.exec("PRAGMA defer_foreign_keys = ON"); !deferred) return deferred;
  for (const auto& table : tables) {
    auto sql = "DELETE FROM \"" + table + "\"";
    if (auto deleted = db_.exec(sql.c_str()); !deleted) return deleted;
  }
  return tx->commit();
}

}  // namespace cobble::storage
