#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "acme/jws.hpp"
#include "support/fake_dns.hpp"
#include "validation/dns01.hpp"
#include "validation/resolver.hpp"

namespace asio = boost::asio;
using cobble::test::FakeDns;
using cobble::validation::DnsError;
using cobble::validation::Resolver;

namespace {

// The table is filled before the server thread starts: it is read without a lock.
std::unique_ptr<FakeDns> start_fake_dns(const std::function<void(FakeDns&)>& more_records = {}) {
  auto dns = std::make_unique<FakeDns>();
  dns->zones["both.test"].a = {asio::ip::make_address_v4("192.0.2.1"),
                               asio::ip::make_address_v4("192.0.2.2")};
  dns->zones["both.test"].aaaa = {asio::ip::make_address_v6("2001:db8::1")};
  dns->zones["txt.test"].txt = {{"abc", "def", "ghi"}, {"single"}};
  dns->zones["caa.test"].caa = {{0, "issue", "cobble.test; accounturi=https://ca/acct/1"},
                                {128, "iodef", "x"}};
  dns->zones["empty.test"];  // exists, no records
  dns->servfail.insert("servfail.test");
  dns->refused.insert("refused.test");
  dns->silent.insert("silent.test");
  if (more_records) more_records(*dns);
  dns->start();
  return dns;
}

Resolver::Options options_for(const FakeDns& dns) {
  return {.server = dns.server(), .timeout = std::chrono::milliseconds(1000), .tries = 2};
}

// Runs the io_context until the coroutine is done; no sleeping.
template <class T>
T run(asio::io_context& io, asio::awaitable<T> task) {
  auto future = asio::co_spawn(io, std::move(task), asio::use_future);
  io.restart();
  while (future.wait_for(std::chrono::seconds(0)) != std::future_status::ready) io.run_one();
  return future.get();
}

}  // namespace

TEST_CASE("the resolver returns AAAA addresses before A addresses", "[validation]") {
  auto dns = start_fake_dns();
  asio::io_context io;
  Resolver resolver(io.get_executor(), options_for(*dns));

  auto result = run(io, resolver.lookup_addresses("both.test"));
  REQUIRE(result.has_value());
  std::vector<std::string> got;
  for (const auto& address : *result) got.push_back(address.to_string());
  CHECK(got == std::vector<std::string>{"2001:db8::1", "192.0.2.1", "192.0.2.2"});
}

TEST_CASE("a TXT record's character-strings are concatenated into one value", "[validation]") {
  auto dns = start_fake_dns();
  asio::io_context io;
  Resolver resolver(io.get_executor(), options_for(*dns));

  auto result = run(io, resolver.lookup_txt("txt.test"));
  REQUIRE(result.has_value());
  CHECK(*result == std::vector<std::string>{"abcdefghi", "single"});
}

TEST_CASE("CAA records come back with their flags, tag and value", "[validation]") {
  auto dns = start_fake_dns();
  asio::io_context io;
  Resolver resolver(io.get_executor(), options_for(*dns));

  auto result = run(io, resolver.lookup_caa("caa.test"));
  REQUIRE(result.has_value());
  REQUIRE(result->size() == 2);
  CHECK((*result)[0].flags == 0);
  CHECK((*result)[0].tag == "issue");
  CHECK((*result)[0].value == "cobble.test; accounturi=https://ca/acct/1");
  CHECK((*result)[1].flags == 128);
  CHECK((*result)[1].tag == "iodef");
}

TEST_CASE("lookup failures are classified and described", "[validation]") {
  auto dns = start_fake_dns();
  asio::io_context io;
  Resolver resolver(io.get_executor(), options_for(*dns));

  SECTION("an unknown name is NXDOMAIN") {
    auto addresses = run(io, resolver.lookup_addresses("missing.test"));
    REQUIRE_FALSE(addresses.has_value());
    CHECK(addresses.error().kind == DnsError::Kind::nxdomain);
    CHECK(addresses.error().detail == "NXDOMAIN looking up A for missing.test");
    auto txt = run(io, resolver.lookup_txt("missing.test"));
    REQUIRE_FALSE(txt.has_value());
    CHECK(txt.error().detail == "NXDOMAIN looking up TXT for missing.test");
  }
  SECTION("a server failure is SERVFAIL") {
    auto txt = run(io, resolver.lookup_txt("servfail.test"));
    REQUIRE_FALSE(txt.has_value());
    CHECK(txt.error().kind == DnsError::Kind::servfail);
    CHECK(txt.error().detail == "SERVFAIL looking up TXT for servfail.test");
  }
  SECTION("a refusal is REFUSED") {
    auto caa = run(io, resolver.lookup_caa("refused.test"));
    REQUIRE_FALSE(caa.has_value());
    CHECK(caa.error().kind == DnsError::Kind::refused);
    CHECK(caa.error().detail == "REFUSED looking up CAA for refused.test");
  }
  SECTION("a name without records of the type is no_data") {
    auto addresses = run(io, resolver.lookup_addresses("empty.test"));
    REQUIRE_FALSE(addresses.has_value());
    CHECK(addresses.error().kind == DnsError::Kind::no_data);
    CHECK(addresses.error().detail == "No A or AAAA records found for empty.test");
    auto txt = run(io, resolver.lookup_txt("both.test"));
    REQUIRE_FALSE(txt.has_value());
    CHECK(txt.error().kind == DnsError::Kind::no_data);
    CHECK(txt.error().detail == "No TXT records found for both.test");
    auto caa = run(io, resolver.lookup_caa("txt.test"));
    REQUIRE_FALSE(caa.has_value());
    CHECK(caa.error().kind == DnsError::Kind::no_data);
  }
}

TEST_CASE("a server that never answers times out after the configured tries", "[validation]") {
  auto dns = start_fake_dns();
  asio::io_context io;
  Resolver resolver(io.get_executor(),
                    {.server = dns->server(), .timeout = std::chrono::milliseconds(200), .tries = 1});

  const auto start = std::chrono::steady_clock::now();
  auto txt = run(io, resolver.lookup_txt("silent.test"));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  REQUIRE_FALSE(txt.has_value());
  CHECK(txt.error().kind == DnsError::Kind::timeout);
  CHECK(txt.error().detail == "query timed out looking up TXT for silent.test");
  CHECK(elapsed < std::chrono::seconds(2));
}

TEST_CASE("a malformed server address is refused at start-up", "[validation]") {
  asio::io_context io;
  CHECK_THROWS_AS(Resolver(io.get_executor(), {.server = "not a server"}), std::runtime_error);
}

TEST_CASE("dns-01 validation reports each failure with its problem type and detail", "[validation]") {
  const std::string key_authorization = "token123.thumbprint456";
  const std::string digest = cobble::acme::sha256_base64url(key_authorization);
  auto dns = start_fake_dns([&](FakeDns& d) {
    d.zones["_acme-challenge.good.test"].txt = {{"unrelated"}, {digest.substr(0, 10), digest.substr(10)}};
    d.zones["_acme-challenge.wrong.test"].txt = {{std::string(150, 'x')}, {"second"}};
    d.zones["_acme-challenge.notxt.test"].a = {asio::ip::make_address_v4("192.0.2.9")};
  });
  asio::io_context io;
  Resolver resolver(io.get_executor(), options_for(*dns));

  struct Case {
    std::string domain;
    std::optional<cobble::acme::ProblemType> type;
    std::string detail;
  };
  const auto c = GENERATE(
      Case{"good.test", std::nullopt, ""},
      Case{"wrong.test", cobble::acme::ProblemType::unauthorized,
           "Incorrect TXT record \"" + std::string(100, 'x') + "...\" found at _acme-challenge.wrong.test"},
      Case{"notxt.test", cobble::acme::ProblemType::unauthorized,
           "No TXT record found at _acme-challenge.notxt.test"},
      Case{"missing.test", cobble::acme::ProblemType::dns,
           "DNS problem: NXDOMAIN looking up TXT for _acme-challenge.missing.test - check that a DNS record "
           "exists for this domain"});
  CAPTURE(c.domain);

  cobble::validation::Request request{.type = "dns-01",
                                      .identifier = {"dns", c.domain},
                                      .token = "token123",
                                      .key_authorization = key_authorization};
  auto outcome = run(io, cobble::validation::validate_dns01(resolver, request));
  CAPTURE(outcome.problem ? outcome.problem->detail : std::string("(passed)"));
  CHECK(outcome.addresses.empty());
  if (!c.type) {
    CHECK(outcome.valid());
  } else {
    REQUIRE_FALSE(outcome.valid());
    CHECK(outcome.problem->type == *c.type);
    CHECK(outcome.problem->detail == c.detail);
  }
}

TEST_CASE("two hundred concurrent lookups from two threads all complete", "[validation]") {
  auto dns = start_fake_dns();
  asio::io_context io;
  auto work = asio::make_work_guard(io);
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) threads.emplace_back([&io] { io.run(); });
  {
    Resolver resolver(io.get_executor(), options_for(*dns));
    constexpr int kLookups = 200;
    std::vector<std::future<cobble::validation::DnsResult<std::vector<std::string>>>> futures;
    for (int i = 0; i < kLookups; ++i) {
      futures.push_back(
          asio::co_spawn(io, resolver.lookup_txt(i % 2 ? "txt.test" : "missing.test"), asio::use_future));
    }
    int found = 0;
    int nxdomain = 0;
    for (auto& future : futures) {
      auto result = future.get();  // blocks the test thread only; the io threads do the work
      if (result) {
        CHECK(result->front() == "abcdefghi");
        ++found;
      } else {
        CHECK(result.error().kind == DnsError::Kind::nxdomain);
        ++nxdomain;
      }
    }
    CHECK(found == kLookups / 2);
    CHECK(nxdomain == kLookups / 2);
  }
  work.reset();
  for (auto& thread : threads) thread.join();  // returns once the resolver's handlers drained
}

TEST_CASE("destroying the resolver with a query in flight completes the query without crashing",
          "[validation]") {
  auto dns = start_fake_dns();
  asio::io_context io;
  auto resolver = std::make_unique<Resolver>(io.get_executor(), options_for(*dns));

  auto future = asio::co_spawn(io, resolver->lookup_txt("silent.test"), asio::use_future);
  io.poll();  // the query is sent; the server never answers
  REQUIRE(future.wait_for(std::chrono::seconds(0)) == std::future_status::timeout);
  resolver.reset();
  while (future.wait_for(std::chrono::seconds(0)) != std::future_status::ready) io.run_one();
  auto result = future.get();
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().kind == DnsError::Kind::other);
  io.run();  // every handler of the destroyed resolver drains; nothing is left behind
}
