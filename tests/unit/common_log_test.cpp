#include <spdlog/details/log_msg_buffer.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>

#include <catch2/catch.hpp>
#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

#include "common/log.hpp"
#include "common/text.hpp"

// The log formats (logFormat): every line of the JSON format parses whatever the message holds,
// events carry their fields, the text format is spdlog's own line, and no token is ever written.

using namespace cobble;
using nlohmann::json;
using namespace std::string_literals;

namespace {

// Keeps each message as logged (to format it again) and each line as its formatter wrote it.
class CaptureSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  std::vector<spdlog::details::log_msg_buffer> messages;
  std::vector<std::string> lines;

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    messages.emplace_back(msg);
    spdlog::memory_buf_t out;
    formatter_->format(msg, out);
    lines.emplace_back(out.data(), out.size());
  }
  void flush_() override {}
};

struct CaptureLogger {
  std::shared_ptr<CaptureSink> sink = std::make_shared<CaptureSink>();
  spdlog::logger logger{"", sink};
  explicit CaptureLogger(common::LogFormat format) {
    logger.set_formatter(common::make_log_formatter(format));
    logger.set_level(spdlog::level::trace);
  }
  const std::string& line() const { return sink->lines.at(0); }
  json parsed() const {
    REQUIRE(line().ends_with("}\n"));
    REQUIRE(std::count(line().begin(), line().end(), '\n') == 1);
    return json::parse(line());  // throws, failing the test, on anything that is not JSON
  }
};

// spdlog's default line for `message` at `level` and the time of `like`: what text mode wrote
// before logFormat existed.
std::string spdlog_line(const spdlog::details::log_msg& like, std::string_view message) {
  spdlog::details::log_msg plain(like.time, {}, like.logger_name, like.level, message);
  spdlog::pattern_formatter formatter;
  spdlog::memory_buf_t out;
  formatter.format(plain, out);
  return {out.data(), out.size()};
}

const std::string kHostile[] = {
    "quotes \" and 'single' and a backslash \\ and \\\" together",
    "controls \x01\x02\x1f\x7f newline\nreturn\r tab\t nul\0 end"s,
    "ill-formed UTF-8: \xff \xc3 \xed\xa0\x80 \xf4\x90\x80\x80 \xe2\x82",
    "good UTF-8: exämple 日本語 \xF0\x9F\x92\xA9 \xe2\x80\xa8",
    "braces {} {{ }} %s %n",
    "",
};

}  // namespace

TEST_CASE("every JSON line parses, whatever bytes the message holds", "[common][log]") {
  auto message = GENERATE(from_range(std::begin(kHostile), std::end(kHostile)));
  CAPTURE(message);
  SECTION("a plain spdlog call") {
    CaptureLogger log(common::LogFormat::json);
    log.logger.warn("peer said: {}", message);
    auto line = log.parsed();
    CHECK(line["event"] == "log");
    CHECK(line["level"] == "warning");
    CHECK(line["message"].get<std::string>().starts_with("peer said: "));
    if (common::is_ascii(message)) CHECK(line["message"] == "peer said: " + message);
  }
  SECTION("an event, the bytes in its message and in a field") {
    CaptureLogger log(common::LogFormat::json);
    common::log_event_to(log.logger, spdlog::level::info, "hostile\"\n", {{"identifier", message}}, message);
    auto line = log.parsed();
    CHECK(line["event"] == "hostile\"\n");
    if (common::is_ascii(message)) {
      CHECK(line["message"] == message);
      if (!message.empty()) CHECK(line["identifier"] == message);
    }
  }
}

TEST_CASE("a JSON line has the time (RFC 3339 UTC, ms), level, event, message and the fields",
          "[common][log]") {
  CaptureLogger log(common::LogFormat::json);
  common::log_event_to(log.logger, spdlog::level::info, "request",
                       {{"request_id", std::string("0123456789abcdef")},
                        {"status", 201},
                        {"duration_ms", 1.25},
                        {"account", std::int64_t{42}},
                        {"size", std::size_t{7}},
                        {"proxied", true},
                        {"empty", ""},
                        {"message", "a field may not replace the message"},
                        {"ratio", std::nan("")}},
                       "acme 127.0.0.1 POST /acme/new-order 201");
  auto line = log.parsed();
  CHECK(std::regex_match(line["time"].get<std::string>(),
                         std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
  CHECK(line["level"] == "info");
  CHECK(line["event"] == "request");
  CHECK(line["message"] == "acme 127.0.0.1 POST /acme/new-order 201");
  CHECK(line["request_id"] == "0123456789abcdef");
  CHECK(line["status"] == 201);
  CHECK(line["duration_ms"] == 1.25);
  CHECK(line["account"] == 42);
  CHECK(line["size"] == 7);
  CHECK(line["proxied"] == true);
  CHECK(line["ratio"].is_null());
  CHECK_FALSE(line.contains("empty"));
  // Keys in the order written, each once: nothing after the fields overrides them.
  CHECK(log.line().starts_with(R"({"time":")"));
  CHECK(log.line().find(R"("message":)") == log.line().rfind(R"("message":)"));
}

TEST_CASE("a plain message cannot forge an event's fields", "[common][log]") {
  CaptureLogger log(common::LogFormat::json);
  log.logger.info("\"forged\"\0,\"account\":1\0text"s);
  auto line = log.parsed();
  CHECK(line["event"] == "log");
  CHECK_FALSE(line.contains("account"));
}

TEST_CASE("a copy of an event's message (async loggers, backtraces) is written without its fields",
          "[common][log]") {
  CaptureLogger log(common::LogFormat::json);
  common::log_event_to(log.logger, spdlog::level::info, "request", {{"request_id", "abc"}}, "the message");
  REQUIRE(json::parse(log.line())["request_id"] == "abc");
  spdlog::memory_buf_t out;
  common::make_log_formatter(common::LogFormat::json)->format(log.sink->messages.at(0), out);
  auto copy = json::parse(std::string(out.data(), out.size()));
  CHECK(copy["event"] == "log");
  CHECK(copy["message"] == "the message");
  CHECK_FALSE(copy.contains("request_id"));
}

TEST_CASE("a named logger's plain lines carry its name as the event", "[common][log]") {
  auto sink = std::make_shared<CaptureSink>();
  spdlog::logger named("webhook", sink);
  named.set_formatter(common::make_log_formatter(common::LogFormat::json));
  named.error("failed");
  CHECK(json::parse(sink->lines.at(0))["event"] == "webhook");
}

TEST_CASE("the text format writes spdlog's default line, for plain calls and events alike", "[common][log]") {
  auto message = GENERATE(from_range(std::begin(kHostile), std::end(kHostile)));
  CAPTURE(message);
  CaptureLogger log(common::LogFormat::text);
  log.logger.info("{}", message);
  common::log_event_to(log.logger, spdlog::level::warn, "request", {{"request_id", "abc"}, {"status", 200}},
                       message);
  REQUIRE(log.sink->lines.size() == 2);
  CHECK(log.sink->lines[0] == spdlog_line(log.sink->messages[0], message));
  CHECK(log.sink->lines[1] == spdlog_line(log.sink->messages[1], message));
}

TEST_CASE("log_event formats nothing below the logger's level", "[common][log]") {
  CaptureLogger log(common::LogFormat::json);
  log.logger.set_level(spdlog::level::warn);
  common::log_event_to(log.logger, spdlog::level::info, "quiet", {}, "not written");
  CHECK(log.sink->lines.empty());
}

TEST_CASE("unpause tokens are cut from messages and fields in both formats", "[common][log]") {
  const std::string token =
      "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxIiwiYXVkIjoiU0ZFIFVucGF1c2UifQ.c2lnbmF0dXJl-_x";
  auto text = GENERATE_COPY(
      as<std::string>{}, "GET /sfe/v1/unpause?jwt=" + token + "&x=1", "form body jwt=" + token,
      "detail: Please visit: https://ca/sfe/v1/unpause?JWT=" + token, "bare " + token + " in a sentence",
      "percent-encoded jwt=" + token + "%3D%3D", "cut short: " + token.substr(0, 50) + "...");
  CAPTURE(text);
  auto redacted = common::redact_tokens(text);
  REQUIRE(redacted);
  CHECK(redacted->find("[redacted]") != std::string::npos);
  CHECK(redacted->find("c2lnbmF0dXJl") == std::string::npos);
  CHECK(redacted->find("eyJzdWIi") == std::string::npos);

  CaptureLogger json_log(common::LogFormat::json);
  json_log.logger.info("{}", text);
  common::log_event_to(json_log.logger, spdlog::level::info, "e", {{"detail", text}}, text);
  CaptureLogger text_log(common::LogFormat::text);
  text_log.logger.info("{}", text);
  common::log_event_to(text_log.logger, spdlog::level::info, "e", {{"detail", text}}, text);
  for (const auto* lines : {&json_log.sink->lines, &text_log.sink->lines}) {
    for (const auto& line : *lines) {
      CAPTURE(line);
      CHECK(line.find("eyJzdWIi") == std::string::npos);
      CHECK(line.find("[redacted]") != std::string::npos);
    }
  }
}

TEST_CASE("text without a token is not copied or changed", "[common][log]") {
  auto text = GENERATE(as<std::string>{}, "", "GET /dir 200", "jwt=", "a jwt=&b", "eyJ without a dot",
                       "/acme/chall/eyJ");
  CAPTURE(text);
  CHECK_FALSE(common::redact_tokens(text));
}

TEST_CASE("log formats are named text and json", "[common][log]") {
  CHECK(common::log_format_named("text") == common::LogFormat::text);
  CHECK(common::log_format_named("json") == common::LogFormat::json);
  CHECK_FALSE(common::log_format_named("JSON"));
  CHECK_FALSE(common::log_format_named(""));
}
