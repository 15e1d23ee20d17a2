#include <unistd.h>

#include <catch2/catch.hpp>

#include "bench/connection.hpp"
#include "bench/cpu.hpp"
#include "bench/options.hpp"
#include "bench/stats.hpp"
#include "bench/worker.hpp"

using namespace cobble::bench;

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
