#include <sqlite3.h>

#include <catch2/catch.hpp>

#include "storage/fault_vfs.hpp"
#include "storage/store.hpp"
#include "support/temp_dir.hpp"

// The Store on a disk that fails (issue #12): full, failing reads, writes and syncs, busy. Each
// failure is an error of the documented kind, leaves nothing half-written, and the Store works
// again once the fault is gone.

using namespace cobble;
using cobble::common::AccountStatus;
using storage::FaultInjectingVfs;

namespace {

storage::AccountRecord account(const std::string& thumbprint) {
  storage::AccountRecord a;
  a.key_thumbprint = thumbprint;
  a.jwk = R"({"kty":"EC"})";
  a.status = AccountStatus::valid;
  return a;
}

struct FaultyStore {
  test::TempDir dir;
  FaultInjectingVfs vfs;
  std::unique_ptr<storage::Store> store;
  explicit FaultyStore(storage::StoreOptions options = {}) {
    options.vfs = vfs.name();
    store = storage::Store::open(dir.file("cobble.db"), options).value();
  }
};

}  // namespace

TEST_CASE("with the disk full a write fails with no_space_on_device, changes nothing, and works again after",
          "[storage][faults]") {
  FaultyStore f;
  auto first = f.store->create_account(account("first"));
  REQUIRE(first);
  f.vfs.inject(FaultInjectingVfs::Fault::disk_full, FaultInjectingVfs::writes);
  auto refused = f.store->create_account(account("second"));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == std::errc::no_space_on_device);
  CHECK(f.vfs.failures() > 0);
  f.vfs.clear();
  CHECK_FALSE(f.store->find_account_by_thumbprint("second"));
  auto second = f.store->create_account(account("second"));
  REQUIRE(second);
  CHECK(f.store->find_account(*first).value().key_thumbprint == "first");
  CHECK(f.store->find_account(*second).value().key_thumbprint == "second");
}

TEST_CASE("failing writes and syncs are io_error and lose nothing committed before", "[storage][faults]") {
  auto operations = GENERATE(as<unsigned>{}, FaultInjectingVfs::writes, FaultInjectingVfs::syncs);
  CAPTURE(operations);
  FaultyStore f({.sync_every_commit = true});
  auto first = f.store->create_account(account("first"));
  REQUIRE(first);
  f.vfs.inject(FaultInjectingVfs::Fault::io_error, operations);
  auto refused = f.store->update_account_contacts(*first, {"mailto:a@example.com"});
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == std::errc::io_error);
  f.vfs.clear();
  CHECK(f.store->find_account(*first).value().contacts.empty());
  CHECK(f.store->update_account_contacts(*first, {"mailto:a@example.com"}));
  CHECK(f.store->find_account(*first).value().contacts.size() == 1);
}

TEST_CASE("failing reads are io_error, and reads work again after", "[storage][faults]") {
  FaultyStore f;
  auto id = f.store->create_account(account("read"));
  REQUIRE(id);
  // A commit invalidates every connection's page cache, so the next read goes to the file.
  REQUIRE(f.store->update_account_status(*id, AccountStatus::valid));
  f.vfs.inject(FaultInjectingVfs::Fault::io_error, FaultInjectingVfs::reads);
  auto failed = f.store->find_account(*id);
  REQUIRE_FALSE(failed);
  CHECK(failed.error().code == std::errc::io_error);
  f.vfs.clear();
  CHECK(f.store->find_account(*id).value().key_thumbprint == "read");
}

TEST_CASE("a write that stays locked by another process fails with resource_unavailable_try_again",
          "[storage][faults]") {
  test::TempDir dir;
  auto store =
      storage::Store::open(dir.file("cobble.db"), {.busy_timeout = std::chrono::milliseconds(50)}).value();
  sqlite3* other = nullptr;
  REQUIRE(sqlite3_open(dir.file("cobble.db").c_str(), &other) == SQLITE_OK);
  REQUIRE(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
  auto refused = store->create_account(account("busy"));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == std::errc::resource_unavailable_try_again);
  REQUIRE(sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(other);
  CHECK(store->create_account(account("busy")));
}
