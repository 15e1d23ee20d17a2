#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "storage/store.hpp"
#include "support/temp_dir.hpp"

using namespace std::chrono_literals;
using cobble::common::AccountStatus;
using cobble::test::TempDir;

namespace {

std::uintmax_t file_size(const std::string& path) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  return ec ? 0 : size;
}

// Waits (bounded) until `done` holds, polling.
template <class Condition>
bool eventually(Condition done) {
  for (int i = 0; i < 100 && !done(); ++i) std::this_thread::sleep_for(20ms);
  return done();
}

}  // namespace

TEST_CASE("committed pages reach the database file without a commit doing the checkpoint", "[storage]") {
  TempDir dir;
  const std::string path = dir.file("cobble.db");
  auto store = cobble::storage::Store::open(path);
  REQUIRE(store);
  for (int i = 0; i < 20; ++i) {
    REQUIRE((*store)->create_account({0, "thumb-" + std::to_string(i), "{}", {}, AccountStatus::valid, {}}));
  }
  // Far fewer than SQLite's 1,000-page automatic checkpoint: only the background checkpointer
  // copies these pages out of the WAL into the file.
  sqlite3* reader = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &reader, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* count = nullptr;
  REQUIRE(sqlite3_prepare_v2(reader, "PRAGMA page_count", -1, &count, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(count) == SQLITE_ROW);
  auto pages = static_cast<std::uintmax_t>(sqlite3_column_int64(count, 0));
  sqlite3_finalize(count);
  sqlite3_close(reader);
  CHECK(eventually([&] { return file_size(path) >= pages * 4096; }));
}

TEST_CASE("closing the store stops the checkpointer and leaves every commit readable", "[storage]") {
  TempDir dir;
  const std::string path = dir.file("cobble.db");
  {
    auto store = cobble::storage::Store::open(path);
    REQUIRE(store);
    REQUIRE((*store)->create_account({0, "kept", "{}", {}, AccountStatus::valid, {}}));
  }  // no hang here: the destructor joins the checkpoint thread
  auto reopened = cobble::storage::Store::open(path);
  REQUIRE(reopened);
  CHECK((*reopened)->find_account_by_thumbprint("kept"));
}

TEST_CASE("under steady writes the WAL is rewound instead of growing", "[storage]") {
  TempDir dir;
  const std::string path = dir.file("cobble.db");
  auto store = cobble::storage::Store::open(path);
  REQUIRE(store);
  // ~60,000 WAL frames (240 MB) if nothing ever rewound it; one commit each, as requests do.
  std::uintmax_t largest = 0;
  for (int i = 0; i < 20000; ++i) {
    REQUIRE((*store)->create_account({0, "steady-" + std::to_string(i), "{}", {}, AccountStatus::valid, {}}));
    if (i % 1000 == 0) largest = std::max(largest, file_size(path + "-wal"));
  }
  largest = std::max(largest, file_size(path + "-wal"));
  INFO("largest WAL seen: " << largest << " bytes");
  // The checkpointer rewinds it at 1,000 frames when it gets the CPU; when it does not (this loop
  // commits as fast as it can, and `make test` runs it beside an e2e test: 167 MB was once seen),
  // the writer's own checkpoint at 10,000 frames (~41 MB) bounds it.
  CHECK(largest < 64u * 1024 * 1024);
  CHECK((*store)->find_account_by_thumbprint("steady-19999"));
}
