#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "common/result.hpp"
#include "storage/transaction_times.hpp"

// Thin RAII over the SQLite C API, private to storage/. Every sqlite3* and sqlite3_stmt* is owned
// here; nothing else calls a sqlite3_*_close/finalize. Not thread-safe: the owner serialises calls.
namespace cobble::storage::sql {

using common::Error;
using common::Result;

// Maps a SQLite result code to our errors: a UNIQUE/PRIMARY KEY violation → errc::file_exists,
// a FOREIGN KEY violation → errc::no_such_file_or_directory (the referenced record is missing),
// BUSY/LOCKED → errc::resource_unavailable_try_again, FULL → errc::no_space_on_device, anything
// else → errc::io_error. The message is `what` followed by SQLite's text.
Error error_from(sqlite3* db, int rc, std::string_view what);

// Bytes bound as a BLOB rather than TEXT.
struct Blob {
  std::string_view bytes;
};

class Database {
 public:
  // Opens read-write, creating the file if missing, without SQLite's own mutex (callers lock),
  // through the VFS named `vfs` ("" = the default one). Only the open itself: SQLite reads the
  // file lazily, so a non-database file fails on first use.
  static Result<Database> open(const std::string& path, const std::string& vfs = "");

  sqlite3* handle() const { return db_.get(); }
  // Where this connection's transactions are timed; null: not timed.
  void time_transactions(std::shared_ptr<TransactionTimes> times) { times_ = std::move(times); }
  const std::shared_ptr<TransactionTimes>& transaction_times() const { return times_; }
  // Runs one or more statements that return no rows needed by the caller.
  Result<void> exec(const char* sql);
  std::int64_t changes() const { return sqlite3_changes64(db_.get()); }

 private:
  struct Closer {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };
  explicit Database(sqlite3* db) : db_(db) {}
  std::unique_ptr<sqlite3, Closer> db_;
  std::shared_ptr<TransactionTimes> times_;
};

class Statement {
 public:
  static Result<Statement> prepare(sqlite3* db, std::string_view sql);

  // Binds a 1-based parameter: integers, bool, text (anything convertible to string_view), Blob,
  // nullptr, a status enum (as its token), or std::optional of those (nullopt → NULL). A failed bind is
  // reported by step().
  template <class T>
  Statement& bind(int index, const T& value);
  // Binds the arguments to parameters 1, 2, ... in order.
  template <class... Args>
  Statement& bind_all(const Args&... args) {
    int index = 0;
    (bind(++index, args), ...);
    return *this;
  }

  // true when a row is available, false when done.
  Result<bool> step();
  // Steps to completion, for statements that return no rows.
  Result<void> run();

  std::int64_t int64(int column) const { return sqlite3_column_int64(stmt_.get(), column); }
  bool is_null(int column) const { return sqlite3_column_type(stmt_.get(), column) == SQLITE_NULL; }
  std::optional<std::int64_t> optional_int64(int column) const;
  // TEXT or BLOB column as bytes (empty for NULL).
  std::string text(int column) const;

  // Back to the start with no bindings, ready for reuse; ends any read it held open.
  void reset();

 private:
  struct Finalizer {
    void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
  };
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}

  sqlite3* db_;
  std::unique_ptr<sqlite3_stmt, Finalizer> stmt_;
  int bind_rc_ = SQLITE_OK;
};

// A borrowed statement that is reset when the borrow ends, so a cached statement never keeps a
// read transaction open or leaks bindings into its next use.
class Cursor {
 public:
  explicit Cursor(Statement& statement) : statement_(&statement) {}
  Cursor(Cursor&& other) noexcept : statement_(std::exchange(other.statement_, nullptr)) {}
  Cursor& operator=(Cursor&&) = delete;
  ~Cursor() {
    if (statement_ != nullptr) statement_->reset();
  }
  Statement* operator->() const { return statement_; }
  Statement& operator*() const { return *statement_; }

 private:
  Statement* statement_;
};

// Rolls back on destruction unless committed.
class Transaction {
 public:
  enum class Mode { deferred, immediate };
  // immediate takes the write lock at BEGIN, so a writer never fails half-way on SQLITE_BUSY
  // upgrading a read lock; deferred is for multi-statement reads.
  static Result<Transaction> begin(Database& db, Mode mode = Mode::immediate);
  Transaction(Transaction&& other) noexcept
      : db_(std::exchange(other.db_, nullptr)), started_(other.started_) {}
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();
  Result<void> commit();

 private:
  explicit Transaction(Database* db) : db_(db), started_(std::chrono::steady_clock::now()) {}
  Database* db_;  // null once committed or rolled back
  std::chrono::steady_clock::time_point started_;
};

template <class T>
Statement& Statement::bind(int index, const T& value) {
  int rc = SQLITE_OK;
  sqlite3_stmt* stmt = stmt_.get();
  if constexpr (std::is_same_v<T, std::nullptr_t>) {
    rc = sqlite3_bind_null(stmt, index);
  } else if constexpr (std::is_integral_v<T>) {
    rc = sqlite3_bind_int64(stmt, index, static_cast<sqlite3_int64>(value));
  } else if constexpr (std::is_same_v<T, Blob>) {
    // A null pointer would bind NULL, not an empty value.
    const char* data = value.bytes.data() != nullptr ? value.bytes.data() : "";
    rc = sqlite3_bind_blob64(stmt, index, data, value.bytes.size(), SQLITE_TRANSIENT);
  } else if constexpr (std::is_enum_v<T>) {
    // The statuses of common/status.hpp: stored as their RFC 8555 tokens.
    return bind(index, to_string(value));
  } else if constexpr (requires {
                         value.has_value();
                         *value;
                       }) {
    if (value.has_value()) return bind(index, *value);
    rc = sqlite3_bind_null(stmt, index);
  } else {
    std::string_view text = value;
    const char* data = text.data() != nullptr ? text.data() : "";
    rc = sqlite3_bind_text64(stmt, index, data, text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  }
  if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

}  // namespace cobble::storage::sql
