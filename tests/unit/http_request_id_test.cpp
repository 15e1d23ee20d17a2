#include <spdlog/sinks/base_sink.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>
#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <thread>

#include "common/log.hpp"
#include "http/request_id.hpp"
#include "http/server.hpp"
#include "support/http_running.hpp"

// Request ids (issue #17): each request's id is in the X-Request-Id header, in its log line and on
// the api::Request its handler sees; ids are unique; only a trusted proxy may hand one in.

using namespace cobble;
namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;
using nlohmann::json;

namespace {

// Lines of the default logger, in JSON, while it lives (then the previous logger again).
class LogCapture {
 public:
  LogCapture() : previous_(spdlog::default_logger()) {
    auto logger = std::make_shared<spdlog::logger>("", sink_);
    logger->set_formatter(common::make_log_formatter(common::LogFormat::json));
    logger->set_level(spdlog::level::trace);
    spdlog::set_default_logger(logger);
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  std::vector<json> request_lines() const {
    std::vector<json> out;
    for (const auto& line : sink_->lines()) {
      auto parsed = json::parse(line);
      if (parsed["event"] == "request") out.push_back(parsed);
    }
    return out;
  }

 private:
  class Sink final : public spdlog::sinks::base_sink<std::mutex> {
   public:
    std::vector<std::string> lines() {
      std::lock_guard lock(mutex_);
      return lines_;
    }

   protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
      spdlog::memory_buf_t out;
      formatter_->format(msg, out);
      lines_.emplace_back(out.data(), out.size());
    }
    void flush_() override {}

   private:
    std::vector<std::string> lines_;
  };
  std::shared_ptr<Sink> sink_ = std::make_shared<Sink>();
  std::shared_ptr<spdlog::logger> previous_;
};

// A plain listener on 127.0.0.1 whose handler answers with the request id it was given.
struct RunningServer : test::RunningHttpServer {
  explicit RunningServer(http::TrustedProxies trusted = {})
      : RunningHttpServer({.handler =
                               [](const api::Request& request) {
                                 api::Reply reply;
                                 reply.body = request.request_id;
                                 return reply;
                               },
                           .trusted_proxies = std::move(trusted)}),
        port(RunningHttpServer::port()) {}
  std::uint16_t port;
};

struct Answer {
  std::string header;  // X-Request-Id
  std::string body;    // the id the handler saw
};

// One GET on a connection of its own, with `request_id` as X-Request-Id when not empty.
Answer get(std::uint16_t port, const std::string& request_id = "") {
  asio::io_context io;
  beast::tcp_stream stream(io);
  stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  beast::http::request<beast::http::empty_body> req{beast::http::verb::get, "/thing?jwt=secret", 11};
  req.set(beast::http::field::host, "localhost");
  if (!request_id.empty()) req.set("X-Request-Id", request_id);
  beast::http::write(stream, req);
  beast::flat_buffer buffer;
  beast::http::response<beast::http::string_body> res;
  beast::http::read(stream, buffer, res);
  return {std::string(res["X-Request-Id"]), res.body()};
}

}  // namespace

TEST_CASE("each request's id is in its header, its handler's request and its log line, and unique",
          "[http][request-id]") {
  LogCapture log;
  RunningServer s;
  std::vector<Answer> answers;
  for (int i = 0; i < 20; ++i) answers.push_back(get(s.port));
  std::set<std::string> ids;
  for (const auto& a : answers) {
    CHECK(std::regex_match(a.header, std::regex("[0-9a-f]{16}")));
    CHECK(a.body == a.header);
    ids.insert(a.header);
  }
  CHECK(ids.size() == answers.size());

  test::wait_until([&] { return log.request_lines().size() == answers.size(); });
  std::set<std::string> logged;
  for (const auto& line : log.request_lines()) {
    CAPTURE(line.dump());
    CHECK(line["listener"] == "test");
    CHECK(line["method"] == "GET");
    CHECK(line["path"] == "/thing");  // never the query
    CHECK(line["status"] == 200);
    CHECK(line["duration_ms"].is_number());
    CHECK(line["message"].get<std::string>().ends_with("id=" + line["request_id"].get<std::string>()));
    CHECK(line.dump().find("secret") == std::string::npos);
    logged.insert(line["request_id"].get<std::string>());
  }
  CHECK(logged == ids);
}

TEST_CASE("a client's own X-Request-Id is replaced; a trusted proxy's is kept when well formed",
          "[http][request-id]") {
  LogCapture log;
  RunningServer direct;
  auto mine = get(direct.port, "client-chosen-id");
  CHECK(mine.header != "client-chosen-id");
  CHECK(mine.body == mine.header);

  RunningServer behind_proxy(http::TrustedProxies::parse({"127.0.0.0/8"}).value());
  auto kept = get(behind_proxy.port, "7F000001:D2F0_7F000001:1F90_65717A2B_0001");
  CHECK(kept.header == "7F000001:D2F0_7F000001:1F90_65717A2B_0001");
  CHECK(kept.body == kept.header);
  auto refused = get(behind_proxy.port, "has spaces and \"quotes\"");
  CHECK(std::regex_match(refused.header, std::regex("[0-9a-f]{16}")));
}

TEST_CASE("request ids a proxy hands in are short words of safe characters", "[http][request-id]") {
  CHECK(http::acceptable_request_id("0123456789abcdef"));
  CHECK(http::acceptable_request_id("550e8400-e29b-41d4-a716-446655440000"));
  CHECK(http::acceptable_request_id(std::string(128, 'a')));
  CHECK_FALSE(http::acceptable_request_id(""));
  CHECK_FALSE(http::acceptable_request_id(std::string(129, 'a')));
  CHECK_FALSE(http::acceptable_request_id("a b"));
  CHECK_FALSE(http::acceptable_request_id("a\nb"));
  CHECK_FALSE(http::acceptable_request_id("id\"}"));
  CHECK_FALSE(http::acceptable_request_id("caf\xc3\xa9"));
}

TEST_CASE("a request id comes from the trusted proxy only", "[http][request-id]") {
  api::Headers headers{{"x-request-id", "proxy-id-1"}};
  auto trusted = http::TrustedProxies::parse({"10.0.0.0/8", "2001:db8::/32"}).value();
  CHECK(http::request_id_for(headers, "10.1.2.3", trusted) == "proxy-id-1");
  CHECK(http::request_id_for(headers, "2001:db8::5", trusted) == "proxy-id-1");
  CHECK(http::request_id_for(headers, "192.0.2.1", trusted) != "proxy-id-1");
  CHECK(http::request_id_for(headers, "10.1.2.3", {}) != "proxy-id-1");
  CHECK(http::request_id_for({}, "10.1.2.3", trusted).size() == 16);
  CHECK(http::new_request_id() != http::new_request_id());
}
