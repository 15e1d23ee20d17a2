#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include "app/deployment_sync.hpp"
#include "support/test_database.hpp"

using cobble::app::DeploymentSync;
using cobble::storage::Store;

namespace {

struct Instance {
  std::unique_ptr<Store> store;
  cobble::api::Chaos chaos;
  cobble::common::FakeClock clock;
  boost::asio::io_context io;  // never run: the test calls apply_changes itself
  DeploymentSync sync;

  explicit Instance(const std::string& location)
      : store(std::move(Store::open(location).value())),
        sync(io, io.get_executor(), *store, {.chaos = &chaos, .fake_clock = &clock}) {}
};

}  // namespace

TEST_CASE("settings changed on one instance are applied by the others, and by one that starts later",
          "[app][instances][store]") {
  cobble::test::TestDatabase database;
  Instance a(database.location());
  Instance b(database.location());
  auto level = spdlog::get_level();

  auto rules =
      cobble::api::parse_chaos(nlohmann::json::parse(R"({"newOrder": {"unavailable": 0.5}})")).value();
  a.chaos.set(rules);
  a.sync.share("chaos", cobble::api::to_json(rules).dump());
  auto later = a.clock.now() + std::chrono::hours(24 * 40);
  a.clock.set(later);
  a.sync.share("clock",
               std::to_string(
                   std::chrono::duration_cast<std::chrono::microseconds>(later.time_since_epoch()).count()));
  a.sync.share("logLevel", "\"warn\"");

  b.sync.apply_changes();
  CHECK(b.chaos.settings() == rules);
  CHECK(std::chrono::floor<std::chrono::microseconds>(b.clock.now()) ==
        std::chrono::floor<std::chrono::microseconds>(later));
  CHECK(spdlog::get_level() == spdlog::level::warn);

  // a's own changes are not applied to a again: its clock has moved on since.
  a.clock.advance(std::chrono::hours(1));
  a.sync.apply_changes();
  CHECK(a.clock.now() > later);

  Instance c(database.location());
  c.sync.apply_changes();
  CHECK(c.chaos.settings() == rules);

  // A setting nobody can read is skipped, the rest still apply.
  REQUIRE(a.store->put_deployment_setting("chaos", "not json"));
  REQUIRE(a.store->put_deployment_setting("logLevel", "\"info\""));
  b.sync.apply_changes();
  CHECK(b.chaos.settings() == rules);
  CHECK(spdlog::get_level() == spdlog::level::info);
  spdlog::set_level(level);
}
