#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <set>

#include "storage/migrations.hpp"
#include "storage/sqlite.hpp"
#include "storage/store.hpp"
#include "support/temp_dir.hpp"

using namespace cobble;
using cobble::common::AccountStatus;
using cobble::test::TempDir;

namespace {

std::string describe(const common::Error& error) {
  return "errc " + std::to_string(static_cast<int>(error.code)) + ": " + error.message;
}

// Opens the file directly, bypassing the Store, to inspect or tamper with it.
storage::sql::Database raw_open(const std::string& path) {
  auto db = storage::sql::Database::open(path);
  REQUIRE(db);
  return std::move(*db);
}

std::set<std::string> table_names(storage::sql::Database& db) {
  auto statement =
      storage::sql::Statement::prepare(db.handle(), "SELECT name FROM sqlite_master WHERE type = 'table'");
  REQUIRE(statement);
  std::set<std::string> names;
  while (true) {
    auto row = statement->step();
    REQUIRE(row);
    if (!*row) return names;
    names.insert(statement->text(0));
  }
}

std::string single_text(storage::sql::Database& db, const char* sql) {
  auto statement = storage::sql::Statement::prepare(db.handle(), sql);
  REQUIRE(statement);
  auto row = statement->step();
  REQUIRE(row);
  REQUIRE(*row);
  return statement->text(0);
}

}  // namespace

TEST_CASE("a new database file gets every migration and records the latest version", "[storage]") {
  TempDir dir;
  const std::string path = dir.file("cobble.db");
  {
    auto store = storage::Store::open(path);
    REQUIRE(store);
    CHECK((*store)->schema_version() == storage::latest_schema_version());
  }
  auto db = raw_open(path);
  CHECK(single_text(db, "SELECT version FROM schema_version") ==
        std::to_string(storage::latest_schema_version()));
  CHECK(single_text(db, "SELECT count(*) FROM schema_version") == "1");
  CHECK(single_text(db, "PRAGMA journal_mode") == "wal");
  auto tables = table_names(db);
  for (const char* table : {"schema_version", "accounts", "orders", "order_identifiers",
                            "order_authorizations", "authorizations", "challenges", "certificates",
                            "certificate_identifiers", "validation_attempts", "validation_perspectives"}) {
    CAPTURE(table);
    CHECK(tables.contains(table));
  }
}

TEST_CASE("reopening a migrated database applies nothing again", "[storage]") {
  TempDir dir;
  const std::string path = dir.file("cobble.db");
  REQUIRE(storage::Store::open(path));
  auto again = storage::Store::open(path);
  REQUIRE(again);
  CHECK((*again)->schema_version() == storage::latest_schema_version());
}

TEST_CASE("a database with a newer schema version is refused as not supported", "[storage]") {
  TempDir dir;
  const std::string path = dir.file("cobble.db");
  REQUIRE(storage::Store::open(path));
  const int newer = storage::latest_schema_version() + 1;
  {
    auto db = raw_open(path);
    REQUIRE(db.exec(("UPDATE schema_version SET version = " + std::to_string(newer)).c_str()));
  }
  auto store = storage::Store::open(path);
  REQUIRE_FALSE(store);
  INFO(describe(store.error()));
  CHECK(store.error().code == std::errc::not_supported);
  CHECK_THAT(store.error().message,
             Catch::Contains("database schema version " + std::to_string(newer) +
                             " is newer than this cobble supports (" +
                             std::to_string(storage::latest_schema_version()) + "); upgrade cobble"));
}

TEST_CASE("a file that is not a database is refused as an invalid argument naming the path", "[storage]") {
  TempDir dir;
  const std::string path = dir.file("garbage.db");
  {
    std::ofstream out(path, std::ios::binary);
    for (int i = 0; i < 512; ++i) out << "this is not SQLite ";
  }
  auto store = storage::Store::open(path);
  REQUIRE_FALSE(store);
  INFO(describe(store.error()));
  CHECK(store.error().code == std::errc::invalid_argument);
  CHECK_THAT(store.error().message, Catch::Contains(path));
}

TEST_CASE("checking every page at open accepts a sound database and refuses garbage", "[storage]") {
  TempDir dir;
  const std::string path = dir.file("cobble.db");
  REQUIRE(storage::Store::open(path, {.check_every_page = true}));
  CHECK(storage::Store::open(path, {.check_every_page = true}));  // reopened, already migrated

  const std::string garbage = dir.file("garbage.db");
  {
    std::ofstream out(garbage, std::ios::binary);
    for (int i = 0; i < 512; ++i) out << "this is not SQLite ";
  }
  auto store = storage::Store::open(garbage, {.check_every_page = true});
  REQUIRE_FALSE(store);
  CHECK(store.error().code == std::errc::invalid_argument);
}

TEST_CASE("a page damaged deep in the file is found only when every page is checked", "[storage]") {
  TempDir dir;
  const std::string path = dir.file("cobble.db");
  {
    auto store = storage::Store::open(path);
    REQUIRE(store);
    const std::string jwk(600, 'k');  // fills pages beyond the schema's
    for (int i = 0; i < 2000; ++i) {
      REQUIRE((*store)->create_account({0, "thumb-" + std::to_string(i), jwk, {}, AccountStatus::valid, {}}));
    }
  }  // closing checkpoints everything into the file
  auto size = std::filesystem::file_size(path);
  REQUIRE(size > 64 * 4096);
  {
    std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(static_cast<std::streamoff>(size / 2 / 4096 * 4096));
    for (int i = 0; i < 2 * 4096; ++i) file.put(static_cast<char>(0xA5));
  }
  CHECK(storage::Store::open(path));  // header and schema are intact: start-up stays fast
  auto checked = storage::Store::open(path, {.check_every_page = true});
  REQUIRE_FALSE(checked);
  CHECK(checked.error().code == std::errc::invalid_argument);
  CHECK_THAT(checked.error().message, Catch::Contains("corrupt"));
}

TEST_CASE("a SQLite database of another program is refused as an invalid argument", "[storage]") {
  TempDir dir;
  const std::string path = dir.file("other.db");
  {
    auto db = raw_open(path);
    REQUIRE(db.exec("CREATE TABLE something (x INTEGER)"));
  }
  auto store = storage::Store::open(path);
  REQUIRE_FALSE(store);
  INFO(describe(store.error()));
  CHECK(store.error().code == std::errc::invalid_argument);
  CHECK_THAT(store.error().message, Catch::Contains(path));
}

TEST_CASE("opening a database in a missing directory creates the directory", "[storage]") {
  TempDir dir;
  const std::string path = dir.file("state/nested/cobble.db");
  auto store = storage::Store::open(path);
  REQUIRE(store);
  CHECK(std::filesystem::exists(path));
}

TEST_CASE("an in-memory database is migrated like a file", "[storage]") {
  auto store = storage::Store::open(":memory:");
  REQUIRE(store);
  CHECK((*store)->schema_version() == storage::latest_schema_version());
}

TEST_CASE("migration 6 gives each stored authorization its first order's profile", "[storage]") {
  TempDir dir;
  const std::string path = dir.file("cobble.db");
  const auto now = std::chrono::system_clock::time_point(std::chrono::hours(24 * 20000));
  {
    auto store = storage::Store::open(path);
    REQUIRE(store);
    auto account = (*store)->create_account({0, "thumb", "{}", {}, AccountStatus::valid, {}});
    REQUIRE(account);
    storage::AuthzRecord authz{.id = "z1",
                               .account_id = *account,
                               .identifier = {"dns", "old.example"},
                               .expires = now + std::chrono::hours(1),
                               .profile = "tlsserver"};
    storage::OrderRecord order{.id = "o1", .account_id = *account, .created_at = now, .expires = now};
    order.identifiers = {{"dns", "old.example"}};
    order.authz_ids = {"z1"};
    order.profile = "tlsserver";
    REQUIRE((*store)->insert_order(order, {authz}));
  }
  {
    // Back to schema 5: the column and the index as they were.
    auto db = raw_open(path);
    REQUIRE(db.exec("DROP INDEX authorizations_reuse"));
    REQUIRE(db.exec("ALTER TABLE authorizations DROP COLUMN profile"));
    REQUIRE(
        db.exec("CREATE INDEX authorizations_reuse ON authorizations(account_id, identifier_type, "
                "identifier_value, wildcard, status, expires)"));
    REQUIRE(db.exec("DROP TABLE validation_perspectives"));           // migration 7
    REQUIRE(db.exec("ALTER TABLE certificates DROP COLUMN issuer"));  // migration 8
    REQUIRE(db.exec("DROP TABLE rate_limit_buckets"));                // migration 9
    REQUIRE(db.exec("DROP INDEX certificates_identifier_set"));
    REQUIRE(db.exec("ALTER TABLE certificates DROP COLUMN identifier_set"));
    REQUIRE(db.exec("DROP TABLE metric_series"));  // migration 12
    REQUIRE(db.exec("DROP TABLE event_totals"));
    REQUIRE(db.exec("DROP INDEX validation_attempts_finished"));
    REQUIRE(db.exec("DROP INDEX pause_buckets_tat"));
    REQUIRE(db.exec("DROP TABLE deployment_settings"));  // migration 11
    REQUIRE(db.exec("ALTER TABLE orders DROP COLUMN status_since"));
    REQUIRE(db.exec("DROP TABLE shared_files"));  // migration 10
    REQUIRE(db.exec("DROP TABLE used_nonces"));
    REQUIRE(db.exec("ALTER TABLE challenges DROP COLUMN lease_owner"));
    REQUIRE(db.exec("ALTER TABLE challenges DROP COLUMN lease_expires"));
    REQUIRE(db.exec("UPDATE schema_version SET version = 5"));
  }
  auto store = storage::Store::open(path);
  REQUIRE(store);
  CHECK((*store)->schema_version() == storage::latest_schema_version());
  CHECK((*store)->find_authz("z1")->profile == "tlsserver");
}
