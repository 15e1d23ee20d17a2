#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include "app/components.hpp"
#include "app/shared_files.hpp"
#include "support/temp_dir.hpp"
#include "support/test_database.hpp"

using cobble::app::Config;
using cobble::storage::Store;
namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

Config instance(const cobble::test::TempDir& dir, const std::string& name) {
  Config config;
  config.data_dir = dir.file(name);
  return config;
}

}  // namespace

TEST_CASE("instances starting together on one database end up with one CA, HTTPS CA and unpause key",
          "[app][instances][store]") {
  cobble::test::TestDatabase database;
  cobble::test::TempDir dirs;
  std::vector<Config> configs{instance(dirs, "a"), instance(dirs, "b"), instance(dirs, "c")};
  std::vector<std::unique_ptr<Store>> stores;
  for (int i = 0; i < 3; ++i) stores.push_back(std::move(Store::open(database.location()).value()));
  std::vector<std::thread> starts;
  std::vector<cobble::common::Result<void>> results(3);
  for (int i = 0; i < 3; ++i) {
    starts.emplace_back([&, i] { results[i] = cobble::app::share_key_files(configs[i], *stores[i]); });
  }
  for (auto& t : starts) t.join();
  for (const auto& r : results) REQUIRE(r);
  for (const char* file : {"ca/root.pem", "ca/root-key.pem", "ca/intermediate.pem", "https-ca.pem",
                           "https-ca-key.pem", "unpause.key"}) {
    INFO(file);
    auto a = slurp(fs::path(configs[0].data_dir) / file);
    CHECK_FALSE(a.empty());
    CHECK(slurp(fs::path(configs[1].data_dir) / file) == a);
    CHECK(slurp(fs::path(configs[2].data_dir) / file) == a);
  }
  CHECK((fs::status(fs::path(configs[1].data_dir) / "ca/root-key.pem").permissions() &
         fs::perms::others_read) == fs::perms::none);
  // What loads them afterwards sees one CA.
  auto now = std::chrono::system_clock::now();
  auto ca_a = cobble::app::load_ca(configs[0], now);
  auto ca_c = cobble::app::load_ca(configs[2], now);
  REQUIRE(ca_a);
  REQUIRE(ca_c);
  CHECK((*ca_a)->root_pem() == (*ca_c)->root_pem());
}

TEST_CASE("a later instance takes the published files over its own", "[app][instances][store]") {
  cobble::test::TestDatabase database;
  cobble::test::TempDir dirs;
  auto first = instance(dirs, "first");
  auto later = instance(dirs, "later");
  auto store = std::move(Store::open(database.location()).value());
  REQUIRE(cobble::app::share_key_files(first, *store));
  // The later instance once ran alone and made its own CA.
  REQUIRE(cobble::app::load_ca(later, std::chrono::system_clock::now()));
  REQUIRE(slurp(fs::path(later.data_dir) / "ca/root.pem") != slurp(fs::path(first.data_dir) / "ca/root.pem"));
  REQUIRE(cobble::app::share_key_files(later, *store));
  CHECK(slurp(fs::path(later.data_dir) / "ca/root.pem") == slurp(fs::path(first.data_dir) / "ca/root.pem"));
}

TEST_CASE("sharing refuses a CA made afresh at every start", "[app][instances][store]") {
  cobble::test::TestDatabase database;
  cobble::test::TempDir dirs;
  auto config = instance(dirs, "x");
  config.ca_persist = false;
  auto store = std::move(Store::open(database.location()).value());
  auto shared = cobble::app::share_key_files(config, *store);
  REQUIRE_FALSE(shared);
  CHECK_THAT(shared.error().message, Catch::Contains("caPersist"));
}
