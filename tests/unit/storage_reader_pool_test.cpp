#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <string>

#include "storage/reader_pool.hpp"
#include "storage/store.hpp"
#include "support/temp_dir.hpp"

using namespace std::chrono_literals;
using cobble::common::AccountStatus;
using cobble::storage::ReaderPool;
using cobble::test::TempDir;

namespace {

// The first column of the first row of `sql` on `db`, as text ("" when no row).
std::string first_text(sqlite3* db, const char* sql) {
  sqlite3_stmt* statement = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql, -1, &statement, nullptr) == SQLITE_OK);
  std::string text;
  if (sqlite3_step(statement) == SQLITE_ROW) {
    const unsigned char* value = sqlite3_column_text(statement, 0);
    text = value ? reinterpret_cast<const char*>(value) : "";
  }
  sqlite3_finalize(statement);
  return text;
}

// A database file made by Store::open (WAL mode, Cobble's schema) with one account.
std::string prepared_database(TempDir& dir) {
  auto path = dir.file("cobble.db");
  auto store = cobble::storage::Store::open(path);
  REQUIRE(store);
  REQUIRE((*store)->create_account({0, "committed", "{}", {}, AccountStatus::valid, {}}));
  return path;
}

}  // namespace

TEST_CASE("a pool never opened lends nothing, so callers fall back to the writer", "[storage]") {
  ReaderPool pool;
  CHECK_FALSE(pool.acquire());
}

TEST_CASE("a reader sees the last commit, not a write in progress, and does not wait for it", "[storage]") {
  TempDir dir;
  auto path = prepared_database(dir);
  ReaderPool pool;
  REQUIRE(pool.open(path, 2));

  sqlite3* writer = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &writer) == SQLITE_OK);
  REQUIRE(sqlite3_exec(writer,
                       "BEGIN IMMEDIATE; INSERT INTO accounts (key_thumbprint, jwk, contacts, status, "
                       "created_at) VALUES ('uncommitted', '{}', '', 'valid', 0)",
                       nullptr, nullptr, nullptr) == SQLITE_OK);
  {
    auto lease = pool.acquire();
    REQUIRE(lease);
    auto started = std::chrono::steady_clock::now();
    CHECK(first_text((*lease).db.handle(), "SELECT group_concat(key_thumbprint) FROM accounts") ==
          "committed");
    CHECK(std::chrono::steady_clock::now() - started < 1s);  // no busy wait behind the writer
  }
  REQUIRE(sqlite3_exec(writer, "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(writer);
  auto lease = pool.acquire();
  CHECK(first_text((*lease).db.handle(), "SELECT count(*) FROM accounts") == "2");
}

TEST_CASE("a leased reader refuses to write", "[storage]") {
  TempDir dir;
  auto path = prepared_database(dir);
  ReaderPool pool;
  REQUIRE(pool.open(path, 1));
  auto lease = pool.acquire();
  CHECK(sqlite3_exec((*lease).db.handle(), "DELETE FROM accounts", nullptr, nullptr, nullptr) != SQLITE_OK);
  CHECK(first_text((*lease).db.handle(), "SELECT count(*) FROM accounts") == "1");
}

TEST_CASE("with every connection lent, acquire waits until one is given back", "[storage]") {
  TempDir dir;
  auto path = prepared_database(dir);
  ReaderPool pool;
  REQUIRE(pool.open(path, 1));
  auto held = std::make_unique<ReaderPool::Lease>(pool.acquire());
  REQUIRE(*held);
  auto waiting = std::async(std::launch::async, [&] { return static_cast<bool>(pool.acquire()); });
  CHECK(waiting.wait_for(100ms) == std::future_status::timeout);
  held.reset();  // gives the connection back
  REQUIRE(waiting.wait_for(5s) == std::future_status::ready);
  CHECK(waiting.get());
}

TEST_CASE("opening a pool on a path that cannot be opened fails and lends nothing", "[storage]") {
  TempDir dir;
  ReaderPool pool;
  CHECK_FALSE(pool.open(dir.file("missing-dir/deeper/cobble.db"), 2));
  CHECK_FALSE(pool.acquire());
}
