#pragma once

#include <libpq-fe.h>
#include <sqlite3.h>

#include <cstdlib>
#include <random>
#include <stdexcept>
#include <string>

#include "support/temp_dir.hpp"

namespace cobble::test {

// Where a Store test keeps its database. By default an SQLite file in a TempDir. When
// COBBLE_TEST_POSTGRES names a PostgreSQL server ("postgresql://", the PG* variables filling in
// the rest, as under pg_virtualenv), a schema of the test's own there, dropped afterwards: ctest's
// storage.postgresql runs every [store] test so (scripts/with-postgres), the same assertions
// against both backends. Opening location() twice gives two Stores on one database, as two
// instances of a deployment have.
class TestDatabase {
 public:
  TestDatabase() {
    const char* server = std::getenv("COBBLE_TEST_POSTGRES");
    if (!server || !*server) {
      location_ = dir_.file("cobble.db");
      return;
    }
    server_ = server;
    std::random_device random;
    schema_ = "cobble_test_" + std::to_string(random()) + "_" + std::to_string(random());
    admin("CREATE SCHEMA " + schema_);
    location_ =
        server_ + (server_.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" + schema_;
  }
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;
  ~TestDatabase() {
    if (schema_.empty()) return;
    try {
      admin("DROP SCHEMA " + schema_ + " CASCADE");
    } catch (const std::exception&) {  // best effort: a destructor must not throw
    }
  }

  const std::string& location() const { return location_; }
  // Runs SQL on the database behind the Store's back (to make rows an older cobble would have made).
  void run_sql(const std::string& sql) const {
    if (!schema_.empty()) {
      admin("SET search_path TO " + schema_ + "; " + sql);
      return;
    }
    sqlite3* db = nullptr;
    std::string error;
    if (sqlite3_open(location_.c_str(), &db) != SQLITE_OK) {
      error = sqlite3_errmsg(db);
    } else if (char* message = nullptr;
               sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
      error = message ? message : "failed";
      sqlite3_free(message);
    }
    sqlite3_close(db);
    if (!error.empty()) throw std::runtime_error("test database: " + sql + ": " + error);
  }
  bool postgresql() const { return !schema_.empty(); }

 private:
  void admin(const std::string& sql) const {
    PGconn* conn = PQconnectdb(server_.c_str());
    PQsetNoticeProcessor(
        conn, [](void*, const char*) {}, nullptr);  // "drop cascades to ..."
    std::string error;
    if (PQstatus(conn) != CONNECTION_OK) {
      error = PQerrorMessage(conn);
    } else {
      PGresult* result = PQexec(conn, sql.c_str());
      if (PQresultStatus(result) != PGRES_COMMAND_OK) error = PQresultErrorMessage(result);
      PQclear(result);
    }
    PQfinish(conn);
    if (!error.empty()) throw std::runtime_error("test database: " + sql + ": " + error);
  }

  TempDir dir_;
  std::string server_;
  std::string schema_;
  std::string location_;
};

}  // namespace cobble::test
