#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <catch2/catch.hpp>
#include <stdexcept>

#include "app/validation_scheduler.hpp"
#include "storage/fault_vfs.hpp"
#include "support/test_ca.hpp"

// The validation queue's guarantees (issue #12): every accepted validation ends recorded, valid or
// invalid with a problem, whatever the validator does, and the queue is bounded.

using namespace cobble;
namespace asio = boost::asio;
using cobble::common::ChallengeStatus;
using test::body_of;
using test::TestCa;
using test::TestClient;

namespace {

struct SchedulerFixture {
  storage::FaultInjectingVfs vfs;  // outlives the store
  TestCa ca{{}, ca::CaOptions{.persist = false}, storage::StoreOptions{.vfs = vfs.name()}};
  TestClient client{ca};
  asio::io_context io;
  app::AsioValidationScheduler scheduler;
  authority::Challenges challenges;
  std::string challenge_id;

  SchedulerFixture(app::ValidateFn validate, app::SchedulerOptions options)
      : scheduler(io, io.get_executor(), std::move(validate), ca.clock, options),
        challenges(*ca.store, ca.clock, ca.policy, scheduler, ca.pauses.get()) {
    scheduler.attach(challenges);
    REQUIRE(client.register_account().status == 201);
    auto order = body_of(client.new_order({"scheduled.example"}));
    auto authz = body_of(client.post_as_get(order["authorizations"][0].get<std::string>()));
    for (const auto& c : authz["challenges"])
      if (c["type"] == "http-01") challenge_id = c["url"].get<std::string>().substr(ca.base_url.size() + 12);
    REQUIRE(ca.store->start_challenge(challenge_id, "test-instance"));
  }

  authority::ValidationTask task() const {
    authority::ValidationTask t;
    t.challenge_id = challenge_id;
    t.account_id = 1;
    t.identifier = {"dns", "scheduled.example"};
    t.type = "http-01";
    t.token = "token";
    t.key_authorization = "token.thumbprint";
    return t;
  }

  // Runs the io_context until the challenge leaves "processing" (or 5 s pass); returns it.
  storage::ChallengeRecord run_until_recorded() {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < deadline) {
      io.run_for(std::chrono::milliseconds(20));
      auto c = ca.store->find_challenge(challenge_id);
      REQUIRE(c);
      if (c->status != ChallengeStatus::processing) return *c;
    }
    FAIL("the challenge is still processing");
    return {};
  }
};

app::SchedulerOptions options_with_deadline(std::chrono::milliseconds deadline) {
  app::SchedulerOptions o;
  o.deadline = deadline;
  return o;
}

}  // namespace

TEST_CASE("a validator that throws ends the challenge invalid with serverInternal", "[app][scheduler]") {
  auto throws_std = [](validation::Request) -> asio::awaitable<validation::Outcome> {
    throw std::runtime_error("the validator fell over");
    co_return validation::Outcome{};
  };
  SchedulerFixture f(throws_std, options_with_deadline(std::chrono::seconds(5)));
  REQUIRE(f.scheduler.reserve());
  f.scheduler.schedule(f.task());
  auto c = f.run_until_recorded();
  CHECK(c.status == ChallengeStatus::invalid);
  auto error = nlohmann::json::parse(c.error);
  CHECK(error["type"] == "urn:ietf:params:acme:error:serverInternal");
  CHECK_THAT(error["detail"].get<std::string>(), Catch::Contains("the validator fell over"));
  CHECK(f.scheduler.accepted() == 0);
}

TEST_CASE("a validator that throws something else still ends the challenge", "[app][scheduler]") {
  auto throws_int = [](validation::Request) -> asio::awaitable<validation::Outcome> {
    throw 42;
    co_return validation::Outcome{};
  };
  SchedulerFixture f(throws_int, options_with_deadline(std::chrono::seconds(5)));
  REQUIRE(f.scheduler.reserve());
  f.scheduler.schedule(f.task());
  CHECK(f.run_until_recorded().status == ChallengeStatus::invalid);
}

TEST_CASE("a validation that never finishes ends invalid at the deadline", "[app][scheduler]") {
  auto hangs = [](validation::Request) -> asio::awaitable<validation::Outcome> {
    asio::steady_timer forever(co_await asio::this_coro::executor, std::chrono::hours(1));
    co_await forever.async_wait(asio::use_awaitable);
    co_return validation::Outcome{};
  };
  SchedulerFixture f(hangs, options_with_deadline(std::chrono::milliseconds(200)));
  auto started = std::chrono::steady_clock::now();
  f.scheduler.schedule_resumed(f.task());
  auto c = f.run_until_recorded();
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(3));
  CHECK(c.status == ChallengeStatus::invalid);
  auto error = nlohmann::json::parse(c.error);
  CHECK(error["type"] == "urn:ietf:params:acme:error:connection");
  CHECK_THAT(error["detail"].get<std::string>(), Catch::Contains("did not finish within 0.2 seconds"));
}

TEST_CASE("a validation outcome quoting bytes that are not UTF-8 is recorded", "[app][scheduler]") {
  auto hostile = [](validation::Request) -> asio::awaitable<validation::Outcome> {
    validation::Outcome o;
    o.problem = acme::Problem{};
    o.problem->type = acme::ProblemType::dns;
    o.problem->detail = "Incorrect TXT record \"" + std::string(99, 'a') + "\xC3\" found";
    co_return o;
  };
  SchedulerFixture f(hostile, options_with_deadline(std::chrono::seconds(5)));
  f.scheduler.schedule_resumed(f.task());
  auto c = f.run_until_recorded();
  CHECK(c.status == ChallengeStatus::invalid);
  CHECK_NOTHROW(nlohmann::json::parse(c.error));
}

TEST_CASE("the validation queue takes at most max_in_flight + max_waiting", "[app][scheduler]") {
  app::SchedulerOptions o;
  o.max_in_flight = 1;
  o.max_waiting = 1;
  auto passes = [](validation::Request) -> asio::awaitable<validation::Outcome> {
    co_return validation::Outcome{};
  };
  SchedulerFixture f(passes, o);
  CHECK(f.scheduler.reserve());
  CHECK(f.scheduler.reserve());
  CHECK_FALSE(f.scheduler.reserve());
  f.scheduler.release();
  CHECK(f.scheduler.reserve());
  f.scheduler.release();
  f.scheduler.schedule(f.task());  // uses the first place
  CHECK(f.run_until_recorded().status == ChallengeStatus::valid);
  CHECK(f.scheduler.accepted() == 0);
}

TEST_CASE("an outcome that cannot be recorded while the disk is full lands once it is not",
          "[app][scheduler][faults]") {
  app::SchedulerOptions o;
  o.record_retry_first = std::chrono::milliseconds(20);
  o.record_retry_max = std::chrono::milliseconds(50);
  auto passes = [](validation::Request) -> asio::awaitable<validation::Outcome> {
    co_return validation::Outcome{};
  };
  SchedulerFixture f(passes, o);
  f.vfs.inject(storage::FaultInjectingVfs::Fault::disk_full, storage::FaultInjectingVfs::writes);
  f.scheduler.schedule_resumed(f.task());
  // While the disk is full the outcome waits, retried, and the challenge stays processing.
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(300);
  while (std::chrono::steady_clock::now() < until) f.io.run_for(std::chrono::milliseconds(20));
  CHECK(f.vfs.failures() >= 2);
  CHECK(f.ca.store->find_challenge(f.challenge_id).value().status == ChallengeStatus::processing);
  CHECK(f.scheduler.accepted() == 1);
  f.vfs.clear();
  CHECK(f.run_until_recorded().status == ChallengeStatus::valid);
  CHECK(f.scheduler.accepted() == 0);
}

TEST_CASE("a validation past its deadline keeps its place until it really ends", "[app][scheduler]") {
  auto started = std::make_shared<int>(0);
  auto slow = [started](validation::Request) -> asio::awaitable<validation::Outcome> {
    ++*started;
    asio::steady_timer wait(co_await asio::this_coro::executor, std::chrono::milliseconds(600));
    co_await wait.async_wait(asio::use_awaitable);
    co_return validation::Outcome{};
  };
  app::SchedulerOptions o;
  o.max_in_flight = 1;
  o.deadline = std::chrono::milliseconds(100);
  SchedulerFixture f(slow, o);
  f.scheduler.schedule_resumed(f.task());
  f.scheduler.schedule_resumed(f.task());  // a second one for the same challenge: it waits its turn
  CHECK(f.run_until_recorded().status == ChallengeStatus::invalid);
  // The first still runs (past its deadline): the second has not started.
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
  while (std::chrono::steady_clock::now() < until) f.io.run_for(std::chrono::milliseconds(10));
  CHECK(*started == 1);
  until = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (*started < 2 && std::chrono::steady_clock::now() < until)
    f.io.run_for(std::chrono::milliseconds(10));
  CHECK(*started == 2);
}

TEST_CASE("each validation is counted by type, outcome and problem, and timed", "[app][scheduler][metrics]") {
  auto refuses = [](validation::Request) -> asio::awaitable<validation::Outcome> {
    co_return validation::failed(acme::ProblemType::connection, "nobody listens");
  };
  SchedulerFixture f(refuses, options_with_deadline(std::chrono::seconds(5)));
  auto instruments = std::make_shared<metrics::Instruments>();
  f.scheduler.attach(instruments);
  REQUIRE(f.scheduler.reserve());
  f.scheduler.schedule(f.task());
  CHECK(f.run_until_recorded().status == ChallengeStatus::invalid);
  CHECK(instruments->validations.at({"http-01", "invalid", "connection"}).value() == 1);
  CHECK(instruments->validations.at({"http-01", "valid", ""}).value() == 0);
  CHECK(instruments->validation_durations.at({"http-01", "invalid"}).snapshot().count == 1);
}
