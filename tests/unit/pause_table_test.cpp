// cobble-pause-table's parts: the traffic CSV, the command line, the report and the SVG plot.
#include <catch2/catch.hpp>
#include <string>

#include "pause-table/options.hpp"
#include "pause-table/report.hpp"
#include "pause-table/svg_plot.hpp"
#include "pause-table/traffic.hpp"

using namespace std::chrono_literals;
using cobble::pause_table::parse_options;
using cobble::pause_table::parse_traffic_csv;

namespace {

std::vector<cobble::pause::Simulation> sweep_of(const std::string& csv, std::vector<std::string> args) {
  auto traffic = parse_traffic_csv(csv);
  REQUIRE(traffic);
  args.push_back("--traffic=unused.csv");
  auto options = parse_options(args);
  REQUIRE(options);
  auto runs = cobble::pause::sweep(*traffic, cobble::pause_table::policies(*options), options->days);
  REQUIRE(runs);
  return std::move(*runs);
}

}  // namespace

TEST_CASE("the traffic CSV takes optional columns in any order, comments and blank lines", "[pause-table]") {
  auto rows = parse_traffic_csv(
      "\xEF\xBB\xBF# a comment\r\n"
      "identifier, account ,failures_per_day,unpause_after_days,start_day\r\n"
      "\r\n"
      "old.example.com,zombie,120,2,1.5\r\n"
      "www.example.com,zombie,0.5,,\n");
  REQUIRE(rows);
  REQUIRE(rows->size() == 2);
  CHECK((*rows)[0].account == "zombie");
  CHECK((*rows)[0].identifier == "old.example.com");
  CHECK((*rows)[0].failures_per_day == 120);
  CHECK((*rows)[0].unpause_after_days == 2);
  CHECK((*rows)[0].start_day == 1.5);
  CHECK((*rows)[0].successes_per_day == 0);
  CHECK((*rows)[1].failures_per_day == 0.5);
  CHECK_FALSE((*rows)[1].unpause_after_days);
  CHECK((*rows)[1].start_day == 0);
}

TEST_CASE("a bad traffic CSV is refused with the line and the reason", "[pause-table]") {
  const std::string header = "account,identifier,failures_per_day,successes_per_day\n";
  auto [text, line, message] = GENERATE_COPY(table<std::string, std::size_t, std::string>({
      {"", 0, "no header (expected account,identifier,failures_per_day"},
      {"# only a comment\n", 0, "no header"},
      {header, 0, "no rows after the header"},
      {"account,identifier\n", 1, "the header lacks the column 'failures_per_day'"},
      {"account,identifier,failures,failures_per_day\n", 1, "unknown column 'failures' in the header"},
      {"account,account,identifier,failures_per_day\n", 1, "the column 'account' appears twice"},
      {header + "a,b,1\n", 2, "3 fields, but the header names 4 columns"},
      {header + "a,b,1,2,3\n", 2, "5 fields, but the header names 4 columns"},
      {header + "a,b,lots,0\n", 2, "failures_per_day 'lots' is not a number"},
      {header + "a,b,1,0x10\n", 2, "successes_per_day '0x10' is not a number"},
      {header + "a,b,,0\n", 2, "failures_per_day is empty"},
      {header + "a,b,1,0\n\n# x\na,c,-4,0\n", 5, "failures_per_day -4 is negative"},
      {header + "a,b,inf,0\n", 2, "failures_per_day must be a finite number"},
      {header + ",b,1,0\n", 2, "the account is empty"},
      {header + "a,,1,0\n", 2, "the identifier is empty"},
      {header + "a,b,1,0\nc,b,1,0\na,b,2,0\n", 4, "account 'a' identifier 'b' is given twice"},
      {header + "\"a\",b,1,0\n", 2, "quoted fields are not supported"},
  }));
  CAPTURE(text);
  auto rows = parse_traffic_csv(text);
  REQUIRE_FALSE(rows);
  CHECK(rows.error().line == line);
  CHECK_THAT(rows.error().message, Catch::Matchers::Contains(message));
}

TEST_CASE("reading a traffic file names the file in its errors", "[pause-table]") {
  auto missing = cobble::pause_table::read_traffic_file("/nonexistent/traffic.csv");
  REQUIRE_FALSE(missing);
  CHECK(missing.error() == "/nonexistent/traffic.csv: no such file");
  auto directory = cobble::pause_table::read_traffic_file(COBBLE_SOURCE_DIR "/tools");
  REQUIRE_FALSE(directory);
  CHECK(directory.error() == COBBLE_SOURCE_DIR "/tools: is a directory");
  auto example =
      cobble::pause_table::read_traffic_file(COBBLE_SOURCE_DIR "/tools/pause-table/example-traffic.csv");
  REQUIRE(example);
  CHECK(example->size() == 7);
}

TEST_CASE("the flags' mix is identical pairs, one account each", "[pause-table]") {
  auto rows = cobble::pause_table::uniform_traffic(3, 120, 0.5, 2.0);
  REQUIRE(rows.size() == 3);
  CHECK(rows[2].account == "account-3");
  CHECK(rows[2].identifier == "example.com");
  CHECK(rows[2].failures_per_day == 120);
  CHECK(rows[2].successes_per_day == 0.5);
  CHECK(rows[2].unpause_after_days == 2.0);
  CHECK_FALSE(cobble::pause::check_traffic(rows));
}

TEST_CASE("without a mix the command line asks for the published tables", "[pause-table]") {
  auto none = parse_options({});
  REQUIRE(none);
  CHECK_FALSE(none->simulating());
  CHECK(none->bursts.empty());
  auto bursts = parse_options({"--burst", "3600", "--burst=1152", "--burst", "300,20"});
  REQUIRE(bursts);
  CHECK(bursts->bursts == std::vector<std::int64_t>{3600, 1152, 300, 20});
  CHECK_FALSE(bursts->refill_given);
  auto help = parse_options({"--help"});
  REQUIRE_FALSE(help);
  CHECK(help.error().code == 0);
  CHECK_THAT(help.error().text, Catch::Matchers::Contains("account,identifier,failures_per_day"));
}

TEST_CASE("a mix compares every burst and refill combination", "[pause-table]") {
  auto options =
      parse_options({"--failures-per-day", "40", "--pairs", "5", "--compare-burst", "3600,1152,300",
                     "--refill-period", "24h,6h", "--grace-days", "7", "--days", "90"});
  REQUIRE(options);
  CHECK(options->simulating());
  CHECK(options->pairs == 5);
  CHECK(options->days == 90);
  const auto all = cobble::pause_table::policies(*options);
  REQUIRE(all.size() == 6);
  CHECK(all[0].failures.burst == 3600);
  CHECK(all[0].failures.period == 24h);
  CHECK(all[1].failures.period == 6h);
  CHECK(all[5].failures.burst == 300);
  CHECK(all[5].grace == std::chrono::days(7));
  // Without --burst: Let's Encrypt's 2024 and 2025 bursts.
  auto defaults = parse_options({"--traffic", "x.csv"});
  REQUIRE(defaults);
  const auto two = cobble::pause_table::policies(*defaults);
  REQUIRE(two.size() == 2);
  CHECK(two[0].failures.burst == 3600);
  CHECK(two[1].failures.burst == 1152);
  CHECK(two[1].grace == std::chrono::days(14));
}

TEST_CASE("the command line refuses what it cannot honour", "[pause-table]") {
  auto [args, reason] = GENERATE(table<std::vector<std::string>, std::string>({
      {{"--burst", "0"}, "bad burst '0'"},
      {{"--burst", "x"}, "--burst"},
      {{"--burst", "200000"}, "is not a valid limit"},
      {{"--days", "30"}, "--days simulate a traffic mix"},
      {{"--svg", "x.svg", "--summary"}, "--svg, --summary simulate a traffic mix"},
      {{"--refill-period", "6h"}, "need --burst"},
      {{"--traffic", "a.csv", "--failures-per-day", "3"}, "excludes"},
      {{"--traffic", "a.csv", "--pairs", "3"}, "with --traffic the file gives the pairs"},
      {{"--failures-per-day", "3", "--refill-period", "5x"}, "bad --refill-period '5x'"},
      {{"--failures-per-day", "3", "--burst", "1,2,3,4,5,6,7,8,9"}, "9 policies to compare: at most 8"},
      {{"--failures-per-day", "3", "--days", "0"}, "--days must be between 1 and 36500"},
      {{"--failures-per-day", "-3"}, "--failures-per-day must be 0 or more"},
      {{"--failures-per-day", "3", "--pairs", "0"}, "--pairs must be between 1"},
      {{"--failures-per-day", "3", "--grace-days", "-1"}, "--grace-days must be between 0 and 3650"},
      {{"--bogus"}, "--bogus"},
  }));
  CAPTURE(args);
  auto options = parse_options(args);
  REQUIRE_FALSE(options);
  CHECK(options.error().code == 2);
  CHECK_THAT(options.error().text, Catch::Matchers::Contains(reason));
}

TEST_CASE("refill periods are a whole number and a unit", "[pause-table]") {
  using cobble::pause_table::parse_period;
  CHECK(parse_period("24h") == 24h);
  CHECK(parse_period("90m") == 90min);
  CHECK(parse_period("3600s") == 1h);
  CHECK(parse_period("2d") == 48h);
  for (const char* bad : {"", "h", "24", "0h", "-1h", "1.5h", "24x", "99999999999999999d"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_period(bad));
  }
}

TEST_CASE("the report prints a row per pair, totals and the comparison", "[pause-table]") {
  const std::string csv =
      "account,identifier,failures_per_day\nzombie,old.example.com,120\nok,fine.example,1\n";
  const auto runs = sweep_of(csv, {"--burst", "3600,1152"});
  const auto traffic = *parse_traffic_csv(csv);
  const std::string report = cobble::pause_table::simulation_report(traffic, runs, false);
  CAPTURE(report);
  CHECK_THAT(report,
             Catch::Matchers::Contains("burst 1152, refill 1 per 24h, grace 14d: 28 days, 2 pairs\n"));
  CHECK_THAT(report,
             Catch::Matchers::Contains("zombie   old.example.com           120              0           9.68 "
                                       "         1162    1162     2198          0        18.32"
                                       "\n"));
  CHECK_THAT(report,
             Catch::Matchers::Contains(
                 "2 pairs, 1 paused (first on day 9.68), 0 re-pauses; failed validations: 1190 ran, 2198 "
                 "avoided (64.9% of the 3388 the clients tried); successes blocked: 0\n"));
  CHECK_THAT(report, Catch::Matchers::Contains("burst 3600, refill 1 per 24h, grace 14d           0/2"));
  CHECK_THAT(report, Catch::Matchers::Contains("burst 1152, refill 1 per 24h, grace 14d           1/2"));
  const std::string summary = cobble::pause_table::simulation_report(traffic, runs, true);
  CHECK_THAT(summary, !Catch::Matchers::Contains("old.example.com"));
  CHECK_THAT(summary, Catch::Matchers::Contains("Compared:"));
}

TEST_CASE("the SVG plot is one document with a line per policy and the clients' attempts", "[pause-table]") {
  const auto runs = sweep_of("account,identifier,failures_per_day\na,b,120\n", {"--burst", "3600,1152,300"});
  const std::string svg = cobble::pause_table::render_svg(runs, "Q&A <test>");
  CHECK(svg.starts_with(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\""));
  CHECK(svg.ends_with("</svg>\n"));
  CHECK_THAT(svg, Catch::Matchers::Contains("<title>Q&amp;A &lt;test&gt;</title>"));
  CHECK_THAT(svg, !Catch::Matchers::Contains("<test>"));
  std::size_t lines = 0;
  for (std::size_t at = svg.find("<polyline"); at != std::string::npos; at = svg.find("<polyline", at + 1))
    ++lines;
  CHECK(lines == 4);
  CHECK_THAT(svg, Catch::Matchers::Contains("burst 300, refill 1 per 24h, grace 14d"));
  CHECK_THAT(svg, Catch::Matchers::Contains("failed validations (cumulative)"));
  CHECK_THAT(svg, !Catch::Matchers::Contains("href"));
}
