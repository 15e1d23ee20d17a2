#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/result.hpp"
#include "storage/sqlite.hpp"

namespace cobble::storage {

using common::Result;

// One SQLite connection and its prepared statements. Used by one thread at a time.
struct Connection {
  sql::Database db;
  std::unordered_map<std::string, sql::Statement> statements;

  // This connection's prepared statement for `sql`, reset when the returned Cursor goes away.
  Result<sql::Cursor> statement(const std::string& sql);
};

// Read-only connections lent one at a time. WAL readers see the last commit and never wait for
// the writer, so the reads of a request do not queue behind other requests' commits.
class ReaderPool {
 public:
  class Lease {
   public:
    Lease(ReaderPool* pool, Connection* connection) : pool_(pool), connection_(connection) {}
    Lease(Lease&& other) noexcept
        : pool_(other.pool_), connection_(std::exchange(other.connection_, nullptr)) {}
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (connection_ != nullptr) pool_->give_back(connection_);
    }
    explicit operator bool() const { return connection_ != nullptr; }
    Connection& operator*() const { return *connection_; }

   private:
    ReaderPool* pool_;
    Connection* connection_;
  };

  // Opens `count` connections to `path` (query_only) through SQLite VFS `vfs` ("" = the default).
  // Call before the pool is shared.
  Result<void> open(const std::string& path, int count, const std::string& vfs = "");
  // An idle connection, waiting for one if all are lent; an empty lease when the pool has none.
  Lease acquire();

 private:
  void give_back(Connection* connection);

  std::mutex mu_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<Connection>> all_;
  std::vector<Connection*> idle_;
};

}  // namespace cobble::storage
