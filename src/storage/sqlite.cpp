#include "storage/sqlite.hpp"

namespace cobble::storage::sql {

Error error_from(sqlite3* db, int rc, std::string_view what) {
  std::string message(what);
  message += ": ";
  // sqlite3_errmsg describes the most recent failure on `db`, which is the one being reported.
  message += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (rc) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      return Error{std::errc::file_exists, std::move(message)};
    case SQLITE_CONSTRAINT_FOREIGNKEY:
      return Error{std::errc::no_such_file_or_directory, std::move(message)};
    default:
      break;
  }
  switch (rc & 0xff) {  // the primary code of an extended one
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Error{std::errc::resource_unavailable_try_again, std::move(message)};
    case SQLITE_FULL:
      return Error{std::errc::no_space_on_device, std::move(message)};
    default:
      return Error{std::errc::io_error, std::move(message)};
  }
}

Result<Database> Database::open(const std::string& path, const std::string& vfs) {
  sqlite3* raw = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      vfs.empty() ? nullptr : vfs.c_str());
  Database db(raw);  // owns the handle even when the open failed
  if (rc != SQLITE_OK) return std::unexpected(error_from(raw, rc, "cannot open database " + path));
  sqlite3_extended_result_codes(raw, 1);
  return db;
}

Result<void> Database::exec(const char* sql) {
  int rc = sqlite3_exec(db_.get(), sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return std::unexpected(error_from(db_.get(), rc, "cannot execute SQL"));
  return {};
}

Result<Statement> Statement::prepare(sqlite3* db, std::string_view sql) {
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &raw,
                              nullptr);
  Statement statement(db, raw);
  if (rc != SQLITE_OK) {
    return std::unexpected(error_from(db, rc, "cannot prepare \"" + std::string(sql) + "\""));
  }
  return statement;
}

Result<bool> Statement::step() {
  if (bind_rc_ != SQLITE_OK) {
    return std::unexpected(
        error_from(db_, bind_rc_, std::string("cannot bind for ") + sqlite3_sql(stmt_.get())));
  }
  int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return std::unexpected(error_from(db_, rc, std::string("\"") + sqlite3_sql(stmt_.get()) + "\" failed"));
}

Result<void> Statement::run() {
  while (true) {
    auto row = step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return {};
  }
}

std::optional<std::int64_t> Statement::optional_int64(int column) const {
  if (is_null(column)) return std::nullopt;
  return int64(column);
}

std::string Statement::text(int column) const {
  // Ask for the bytes before their length, as SQLite documents.
  const void* bytes = sqlite3_column_blob(stmt_.get(), column);
  int size = sqlite3_column_bytes(stmt_.get(), column);
  if (bytes == nullptr) return {};
  return std::string(static_cast<const char*>(bytes), static_cast<std::size_t>(size));
}

void Statement::reset() {
  // The reset's return code repeats the last step's error, already reported by step().
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
  bind_rc_ = SQLITE_OK;
}

Result<Transaction> Transaction::begin(Database& db, Mode mode) {
  auto begun = db.exec(mode == Mode::immediate ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED");
  if (!begun) return std::unexpected(begun.error());
  return Transaction(&db);
}

Transaction::~Transaction() {
  if (db_ == nullptr) return;
  // Nothing to report to: the caller already returned the error that led here.
  if (sqlite3_get_autocommit(db_->handle()) == 0)
    sqlite3_exec(db_->handle(), "ROLLBACK", nullptr, nullptr, nullptr);
  if (const auto& times = db_->transaction_times())
    times->rolled_back(std::chrono::steady_clock::now() - started_);
}

Result<void> Transaction::commit() {
  auto committed = db_->exec("COMMIT");
  // On failure (e.g. SQLITE_BUSY) the transaction is still open; the destructor rolls it back.
  if (!committed) return committed;
  if (const auto& times = db_->transaction_times())
    times->committed(std::chrono::steady_clock::now() - started_);
  db_ = nullptr;
  return {};
}

}  // namespace cobble::storage::sql
