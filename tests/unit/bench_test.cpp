#include <unistd.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <catch2/catch.hpp>
#include <map>
#include <thread>

#include "bench/connection.hpp"
#include "bench/cpu.hpp"
#include "bench/gate.hpp"
#include "bench/options.hpp"
#include "bench/stats.hpp"
#include "bench/worker.hpp"

using namespace cobble::bench;
namespace asio = boost::asio;

namespace {

std::expected<Options, ParseExit> parse(std::vector<std::string> args) { return parse_options(args); }

// The refusal text for `args`, which must be refused with a non-zero code.
std::string refusal(std::vector<std::string> args) {
  auto parsed = parse(std::move(args));
  REQUIRE_FALSE(parsed.has_value());
  CHECK(parsed.error().code != 0);
  return parsed.error().text;
}

}  // namespace

TEST_CASE("bench percentiles use the nearest rank", "[bench]") {
  Samples samples;
  CHECK(samples.percentile(50) == 0);
  CHECK(samples.max() == 0);
  for (int i = 100; i >= 1; --i) samples.add(i);  // unsorted on purpose
  CHECK(samples.percentile(50) == 50);
  CHECK(samples.percentile(90) == 90);
  CHECK(samples.percentile(99) == 99);
  CHECK(samples.percentile(100) == 100);
  CHECK(samples.percentile(0) == 1);
  CHECK(samples.max() == 100);
  CHECK(samples.mean() == Approx(50.5));
  samples.add(1000);  // adding after a percentile re-sorts
  CHECK(samples.max() == 1000);
  CHECK(samples.percentile(100) == 1000);

  Samples one;
  one.add(7.25);
  auto summary = one.summary();
  CHECK(summary["count"] == 1);
  CHECK(summary["p50"] == 7.25);
  CHECK(summary["p99"] == 7.25);
  CHECK(summary["max"] == 7.25);

  Samples small;
  for (double v : {1.0, 2.0, 3.0}) small.add(v);
  CHECK(small.percentile(50) == 2);  // ceil(1.5) = 2nd value
  CHECK(small.percentile(99) == 3);
}

TEST_CASE("bench options: defaults and every choice", "[bench]") {
  auto parsed = parse({"https://127.0.0.1:14000/dir", "--insecure"});
  REQUIRE(parsed.has_value());
  CHECK(parsed->mode == Mode::always);
  CHECK(parsed->alg == Alg::es256);
  CHECK(parsed->workers == 16);
  CHECK(parsed->http01_port == 5002);

  parsed = parse({"https://localhost:14000/dir",
                  "--ca-file",
                  "/tmp/ca.pem",
                  "--mode",
                  "fail",
                  "--alg",
                  "EdDSA",
                  "--workers",
                  "64",
                  "--duration",
                  "0",
                  "--flows",
                  "100",
                  "--warmup",
                  "0",
                  "--honour-retry-after",
                  "--server-pid",
                  "42",
                  "--poll-ms",
                  "0"});
  REQUIRE(parsed.has_value());
  CHECK(parsed->mode == Mode::fail);
  CHECK(parsed->alg == Alg::eddsa);
  CHECK(parsed->workers == 64);
  CHECK(parsed->flows == 100);
  CHECK(parsed->honour_retry_after);
  CHECK(parsed->server_pid == 42);

  auto help = parse({"--help"});
  REQUIRE_FALSE(help.has_value());
  CHECK(help.error().code == 0);
  CHECK_THAT(help.error().text, Catch::Contains("--workers"));
}

TEST_CASE("bench options: refusals say what is wrong", "[bench]") {
  CHECK_THAT(refusal({"--insecure"}), Catch::Contains("directory"));
  CHECK_THAT(refusal({"http://127.0.0.1/dir", "--insecure"}), Catch::Contains("https://"));
  CHECK_THAT(refusal({"https://h/dir", "--insecure", "--mode", "http-01"}),
             Catch::Contains("unknown --mode 'http-01'"));
  CHECK_THAT(refusal({"https://h/dir", "--insecure", "--alg", "ES384"}),
             Catch::Contains("unknown --alg 'ES384'"));
  CHECK_THAT(refusal({"https://h/dir", "--insecure", "--cert-key", "ed"}), Catch::Contains("--cert-key"));
  CHECK_THAT(refusal({"https://h/dir", "--insecure", "--workers", "0"}), Catch::Contains("--workers"));
  CHECK_THAT(refusal({"https://h/dir", "--insecure", "--duration", "0"}),
             Catch::Contains("the run must end"));
  CHECK_THAT(refusal({"https://h/dir", "--insecure", "--duration", "2", "--warmup", "2"}),
             Catch::Contains("--warmup must be shorter"));
  CHECK_THAT(refusal({"https://h/dir", "--insecure", "--timeout", "0"}), Catch::Contains("--timeout"));
  CHECK_THAT(refusal({"https://h/dir", "--insecure", "--poll-ms", "-1"}), Catch::Contains("--poll-ms"));
  CHECK_THAT(refusal({"https://h/dir"}), Catch::Contains("--ca-file"));
  CHECK_THAT(refusal({"https://h/dir", "--insecure", "--ca-file", "x.pem"}), Catch::Contains("contradict"));
  CHECK_THAT(refusal({"https://h/dir", "--insecure", "--workers", "many"}), Catch::Contains("--workers"));
  CHECK_THAT(refusal({"https://h/dir", "--insecure", "--no-such-option"}), Catch::Contains("--help"));
  CHECK_THAT(refusal({"https://h/dir", "--insecure", "--threads", "0"}), Catch::Contains("--threads"));
  CHECK_THAT(refusal({"https://h/dir", "--insecure", "--workers", "4", "--threads", "5"}),
             Catch::Contains("--threads cannot exceed --workers"));
  CHECK_THAT(refusal({"https://h/dir", "--insecure", "--first-order-poll-ms", "-1"}),
             Catch::Contains("--first-order-poll-ms"));
}

TEST_CASE("bench options: --pebble-safe, --first-order-poll-ms and --threads", "[bench]") {
  auto parsed = parse({"https://h/dir", "--insecure"});
  REQUIRE(parsed.has_value());
  CHECK_FALSE(parsed->pebble_safe);
  CHECK(parsed->threads == 1);
  CHECK(parsed->first_order_poll_ms == parsed->poll_ms);  // today's behaviour: every poll alike

  parsed = parse({"https://h/dir", "--insecure", "--poll-ms", "30"});
  REQUIRE(parsed.has_value());
  CHECK(parsed->first_order_poll_ms == 30);

  parsed = parse({"https://h/dir", "--insecure", "--pebble-safe", "--workers", "64", "--threads", "2"});
  REQUIRE(parsed.has_value());
  CHECK(parsed->pebble_safe);
  CHECK(parsed->threads == 2);
  CHECK(parsed->first_order_poll_ms == kPebbleSafeFirstOrderPollMs);

  // An explicit value wins, with or without the gate.
  parsed = parse({"https://h/dir", "--insecure", "--pebble-safe", "--first-order-poll-ms", "25"});
  REQUIRE(parsed.has_value());
  CHECK(parsed->first_order_poll_ms == 25);
  parsed = parse({"https://h/dir", "--insecure", "--first-order-poll-ms", "0"});
  REQUIRE(parsed.has_value());
  CHECK(parsed->first_order_poll_ms == 0);
}

TEST_CASE("bench URLs: host, port and target", "[bench]") {
  auto url = parse_url("https://127.0.0.1:14000/dir");
  REQUIRE(url);
  CHECK(url->host == "127.0.0.1");
  CHECK(url->port == 14000);
  CHECK(url->target == "/dir");
  url = parse_url("https://ca.test");
  REQUIRE(url);
  CHECK(url->port == 443);
  CHECK(url->target == "/");
  url = parse_url("https://[::1]:8443/acme/new-order?x=1");
  REQUIRE(url);
  CHECK(url->host == "::1");
  CHECK(url->port == 8443);
  CHECK(url->target == "/acme/new-order?x=1");
  CHECK_FALSE(parse_url("http://127.0.0.1/dir"));
  CHECK_FALSE(parse_url("https://:14000/dir"));
  CHECK_FALSE(parse_url("https://h:0/dir"));
  CHECK_FALSE(parse_url("https://h:99999/dir"));
  CHECK_FALSE(parse_url("https://h:1x/dir"));
  CHECK_FALSE(parse_url("https://[::1/dir"));
}

TEST_CASE("bench Retry-After: delta-seconds and HTTP-date", "[bench]") {
  CHECK(retry_after_seconds("3", 0) == 3.0);
  CHECK(retry_after_seconds(" 0 ", 0) == 0.0);
  // 1994-11-06 08:49:37 UTC = 784111777 (RFC 9110's example date).
  CHECK(retry_after_seconds("Sun, 06 Nov 1994 08:49:37 GMT", 784111777 - 5) == 5.0);
  CHECK(retry_after_seconds("Sun, 06 Nov 1994 08:49:37 GMT", 784111777 + 5) == 0.0);  // past: now
  CHECK_FALSE(retry_after_seconds("", 0));
  CHECK_FALSE(retry_after_seconds("-1", 0));
  CHECK_FALSE(retry_after_seconds("soon", 0));
}

TEST_CASE("bench server CPU from /proc/<pid>/stat", "[bench]") {
  // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime ...
  std::string stat = "1234 (a (weird) name) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0 4";
  auto seconds = cpu_seconds_from_stat(stat, 100);
  REQUIRE(seconds);
  CHECK(*seconds == Approx(3.0));
  CHECK_FALSE(cpu_seconds_from_stat("garbage", 100));
  CHECK_FALSE(cpu_seconds_from_stat("1 (x) S 1 2", 100));
  auto own = process_cpu_seconds(getpid());
  REQUIRE(own);
  CHECK(*own >= 0);
  CHECK_FALSE(process_cpu_seconds(-5));
}

TEST_CASE("bench figures of several threads add up", "[bench]") {
  Figures a, b;
  a.requests["newOrder"].add(1);
  b.requests["newOrder"].add(3);
  b.requests["cert"].add(2);
  a.flows_in_window = 2;
  b.flows_in_window = 3;
  a.flows_total = 4;
  b.flows_total = 5;
  a.errors["badNonce"] = 1;
  b.errors["badNonce"] = 2;
  b.errors["transport-timeout"] = 1;
  a.gate_wait.add(0.5);
  b.gate_wait.add(1.5);
  b.failed_validations = 7;
  b.rate_limited = 3;
  b.bad_nonce_retries = 2;
  a.merge(b);
  CHECK(a.requests["newOrder"].count() == 2);
  CHECK(a.requests["newOrder"].max() == 3);
  CHECK(a.requests["cert"].count() == 1);
  CHECK(a.flows_in_window == 5);
  CHECK(a.flows_total == 9);
  CHECK(a.errors["badNonce"] == 3);
  CHECK(a.errors["transport-timeout"] == 1);
  CHECK(a.gate_wait.count() == 2);
  CHECK(a.gate_wait.mean() == Approx(1.0));
  CHECK(a.failed_validations == 7);
  CHECK(a.rate_limited == 3);
  CHECK(a.bad_nonce_retries == 2);
}

TEST_CASE("bench gate classes: authorization reads against newOrder, the rest ungated", "[bench]") {
  CHECK(gate_class_of("authz") == GateClass::authz);
  CHECK(gate_class_of("poll") == GateClass::authz);
  CHECK(gate_class_of("newOrder") == GateClass::new_order);
  for (const char* kind : {"newNonce", "newAccount", "challenge", "finalize", "order", "cert"}) {
    CAPTURE(kind);
    CHECK_FALSE(gate_class_of(kind));
  }
}

namespace {

// Enters the gate as `name` and keeps the pass in `held` (the test releases it by erasing it).
asio::awaitable<void> enter_and_hold(ClassGate& gate, GateClass cls, std::string name,
                                     std::vector<std::string>& entered,
                                     std::map<std::string, ClassGate::Pass>& held) {
  auto pass = co_await gate.enter(cls);
  entered.push_back(name);
  held[name] = std::move(pass);
}

// Runs what is ready on `io` now (wake-ups are posted).
void settle(asio::io_context& io) {
  io.restart();
  io.poll();
}

struct GateLoad {
  std::atomic<int> in_flight[2]{0, 0};
  std::atomic<int> overlaps{0};
  std::atomic<int> done[2]{0, 0};
};

// `count` gated "requests" of `cls`, each in flight for a few hundred microseconds; counts an
// overlap whenever the other class is in flight at the same time.
asio::awaitable<void> gated_requests(ClassGate& gate, GateClass cls, int count, GateLoad& load) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  int mine = cls == GateClass::authz ? 0 : 1;
  for (int i = 0; i < count; ++i) {
    auto pass = co_await gate.enter(cls);
    ++load.in_flight[mine];
    if (load.in_flight[1 - mine].load() != 0) ++load.overlaps;
    timer.expires_after(std::chrono::microseconds(100 + 100 * (i % 4)));
    co_await timer.async_wait(asio::use_awaitable);
    if (load.in_flight[1 - mine].load() != 0) ++load.overlaps;
    --load.in_flight[mine];
    pass.release();
    ++load.done[mine];
  }
}

}  // namespace

TEST_CASE("bench gate: one class at a time, and a waiting class goes before newcomers", "[bench]") {
  asio::io_context io;
  ClassGate gate;
  std::vector<std::string> entered;
  std::map<std::string, ClassGate::Pass> held;
  auto enter = [&](const std::string& name, GateClass cls) {
    asio::co_spawn(io, enter_and_hold(gate, cls, name, entered, held), asio::detached);
    settle(io);
  };
  auto release = [&](const std::string& name) {
    held.erase(name);
    settle(io);
  };
  using V = std::vector<std::string>;

  enter("authz-1", GateClass::authz);
  enter("authz-2", GateClass::authz);
  CHECK(entered == V{"authz-1", "authz-2"});  // any number of one class
  CHECK(gate.in_flight(GateClass::authz) == 2);
  enter("order-1", GateClass::new_order);
  CHECK(entered == V{"authz-1", "authz-2"});  // never both classes
  enter("authz-3", GateClass::authz);
  CHECK(entered.size() == 2);  // a newcomer of the running class waits behind order-1
  release("authz-1");
  CHECK(entered.size() == 2);
  release("authz-2");
  CHECK(entered == V{"authz-1", "authz-2", "order-1"});
  CHECK(gate.in_flight(GateClass::new_order) == 1);
  CHECK(gate.in_flight(GateClass::authz) == 0);
  enter("order-2", GateClass::new_order);
  CHECK(entered.size() == 3);  // authz-3 waits, so order-2 does too
  release("order-1");
  CHECK(entered == V{"authz-1", "authz-2", "order-1", "authz-3"});
  release("authz-3");
  CHECK(entered == V{"authz-1", "authz-2", "order-1", "authz-3", "order-2"});
  release("order-2");
  CHECK(gate.in_flight(GateClass::new_order) == 0);
  enter("authz-4", GateClass::authz);  // an idle gate lets either class in at once
  CHECK(entered.back() == "authz-4");
}

TEST_CASE("bench gate: close lets every waiter and newcomer in", "[bench]") {
  asio::io_context io;
  ClassGate gate;
  std::vector<std::string> entered;
  std::map<std::string, ClassGate::Pass> held;
  for (auto [name, cls] : {std::pair{"authz-1", GateClass::authz}, std::pair{"order-1", GateClass::new_order},
                           std::pair{"authz-2", GateClass::authz}})
    asio::co_spawn(io, enter_and_hold(gate, cls, name, entered, held), asio::detached);
  settle(io);
  CHECK(entered == std::vector<std::string>{"authz-1"});
  gate.close();
  settle(io);
  CHECK(entered.size() == 3);
  asio::co_spawn(io, enter_and_hold(gate, GateClass::new_order, "order-2", entered, held), asio::detached);
  settle(io);
  CHECK(entered.size() == 4);
  held.clear();  // releasing after close is harmless
}

TEST_CASE("bench gate: classes never overlap and both progress across threads", "[bench]") {
  ClassGate gate;
  GateLoad load;
  constexpr int kThreads = 2, kPerClassPerThread = 4, kRequests = 40;
  std::vector<std::unique_ptr<asio::io_context>> ios;
  for (int t = 0; t < kThreads; ++t) {
    ios.push_back(std::make_unique<asio::io_context>());
    for (int w = 0; w < kPerClassPerThread; ++w)
      for (auto cls : {GateClass::authz, GateClass::new_order})
        asio::co_spawn(*ios.back(), gated_requests(gate, cls, kRequests, load), asio::detached);
  }
  constexpr int kEach = kThreads * kPerClassPerThread * kRequests;
  {
    std::vector<std::jthread> threads;
    for (auto& io : ios) threads.emplace_back([&io = *io] { io.run(); });
    // A gate that starved a class would hang the threads: give up after a deadline instead.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while ((load.done[0] < kEach || load.done[1] < kEach) && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    gate.close();
  }
  CHECK(load.done[0] == kEach);
  CHECK(load.done[1] == kEach);
  CHECK(load.overlaps == 0);
}
