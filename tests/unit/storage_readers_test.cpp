#include <atomic>
#include <catch2/catch.hpp>
#include <string>
#include <thread>
#include <vector>

#include "storage/store.hpp"
#include "support/temp_dir.hpp"

using cobble::common::AccountStatus;
using cobble::test::TempDir;

// Reads of a file database go to a pool of reader connections (SqliteStore's ReaderPool); these
// check they see every commit at once and run alongside writes.

TEST_CASE("a read right after a write sees it, on whichever reader connection", "[storage]") {
  TempDir dir;
  auto store = cobble::storage::Store::open(dir.file("cobble.db"));
  REQUIRE(store);
  for (int i = 0; i < 200; ++i) {
    auto thumbprint = "fresh-" + std::to_string(i);
    auto id = (*store)->create_account({0, thumbprint, "{}", {}, AccountStatus::valid, {}});
    REQUIRE(id);
    auto found = (*store)->find_account(*id);
    REQUIRE(found);
    CHECK(found->key_thumbprint == thumbprint);
    REQUIRE((*store)->update_account_status(*id, AccountStatus::deactivated));
    CHECK((*store)->find_account_by_thumbprint(thumbprint)->status == AccountStatus::deactivated);
  }
}

TEST_CASE("concurrent readers and a writer: every read finds what was committed before it", "[storage]") {
  TempDir dir;
  auto store = cobble::storage::Store::open(dir.file("cobble.db"));
  REQUIRE(store);
  auto& s = **store;
  std::atomic<int> committed{0};  // accounts 1..committed exist
  std::atomic<int> missing{0}, reads{0};
  std::atomic<bool> writing{true};
  std::vector<std::thread> readers;
  for (int r = 0; r < 6; ++r) {  // more threads than pooled connections: some wait for one
    readers.emplace_back([&] {
      while (writing) {
        int upto = committed.load();
        if (upto == 0) continue;
        if (!s.find_account(upto)) ++missing;
        ++reads;
      }
    });
  }
  for (int i = 0; i < 500; ++i) {
    auto id = s.create_account({0, "w-" + std::to_string(i), "{}", {}, AccountStatus::valid, {}});
    REQUIRE(id);
    committed = static_cast<int>(*id);
  }
  writing = false;
  for (auto& t : readers) t.join();
  CHECK(missing == 0);
  CHECK(reads > 0);
}
