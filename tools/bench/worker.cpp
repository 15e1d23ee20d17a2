#include "bench/worker.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/field.hpp>
#include <charconv>
#include <ctime>

namespace cobble::bench {

namespace asio = boost::asio;
namespace http = boost::beast::http;

namespace {

acme::PrivateKey::Kind key_kind(Alg alg) {
  switch (alg) {
    case Alg::rs256:
      return acme::PrivateKey::Kind::rs256;
    case Alg::eddsa:
      return acme::PrivateKey::Kind::eddsa;
    case Alg::es256:
      break;
  }
  return acme::PrivateKey::Kind::es256;
}

// Server URLs are absolute and name the server we are connected to; the request needs the target.
std::optional<std::string> target_of(const std::string& url) {
  auto parsed = parse_url(url);
  if (!parsed) return std::nullopt;
  return parsed->target;
}

std::string short_problem_type(const std::string& body, unsigned status) {
  auto json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_object() && json.contains("type") && json["type"].is_string()) {
    std::string type = json["type"];
    auto colon = type.rfind(':');
    return colon == std::string::npos ? type : type.substr(colon + 1);
  }
  return "http-" + std::to_string(status);
}

}  // namespace

std::optional<double> retry_after_seconds(std::string_view value, std::int64_t now_unix) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  std::int64_t seconds = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec == std::errc() && end == value.data() + value.size()) {
    if (seconds < 0) return std::nullopt;
    return static_cast<double>(seconds);
  }
  std::tm tm{};
  std::string text(value);
  const char* parsed = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (parsed == nullptr || *parsed != '\0') return std::nullopt;
  auto at = static_cast<std::int64_t>(timegm(&tm));
  return static_cast<double>(std::max<std::int64_t>(0, at - now_unix));
}

Worker::Worker(Tally& tally, int id, Connection connection, asio::io_context& io)
    : run_(tally.run),
      tally_(tally),
      id_(id),
      connection_(std::move(connection)),
      timer_(io),
      key_(acme::PrivateKey::generate(key_kind(run_.options.alg))),
      thumbprint_(key_.public_key().thumbprint()) {}

void Worker::abort() {
  connection_.abort();
  timer_.cancel();
}

void Worker::fail(const std::string& error_key) {
  if (run_.stopping) throw Stopping{};
  tally_.error(error_key);
  throw FlowAbort{};
}

nlohmann::json Worker::json_of(const Response& response) {
  auto json = nlohmann::json::parse(response.body(), nullptr, false);
  if (!json.is_object()) fail("bench-unparsable-json");
  return json;
}

asio::awaitable<void> Worker::sleep(std::chrono::milliseconds duration) {
  if (run_.stopping) throw Stopping{};
  timer_.expires_after(duration);
  co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
  if (run_.stopping) throw Stopping{};
}

asio::awaitable<void> Worker::poll_pause(const Response& last, std::chrono::milliseconds wait) {
  if (run_.options.honour_retry_after) {
    auto header = last.find(http::field::retry_after);
    if (header != last.end()) {
      if (auto seconds = retry_after_seconds(header->value(), std::time(nullptr)))
        wait = std::chrono::milliseconds(static_cast<std::int64_t>(std::min(*seconds, 60.0) * 1000));
    }
  }
  co_await sleep(wait);
}

asio::awaitable<void> Worker::fetch_nonce() {
  if (run_.stopping) throw Stopping{};
  auto target = target_of(run_.directory.new_nonce);
  if (!target) fail("bench-bad-url");
  auto t0 = BenchClock::now();
  auto response = co_await connection_.request(http::verb::head, *target, "", "");
  if (!response) {
    if (run_.stopping) throw Stopping{};
    tally_.error("transport-" + response.error().kind);
    throw FlowAbort{true};
  }
  run_.completed();
  auto nonce = response->find("Replay-Nonce");
  if (response->result_int() / 100 != 2 || nonce == response->end())
    fail("newNonce-http-" + std::to_string(response->result_int()));
  nonce_ = std::string(nonce->value());
  tally_.sample("newNonce", t0);
}

asio::awaitable<Response> Worker::post(const char* kind, const std::string& url, const std::string& payload,
                                       bool use_jwk, const std::string& accept) {
  auto target = target_of(url);
  if (!target) fail("bench-bad-url");
  constexpr int kBadNonceRetries = 5;
  for (int attempt = 0;; ++attempt) {
    if (nonce_.empty()) co_await fetch_nonce();
    if (run_.stopping) throw Stopping{};
    nlohmann::json header = {{"nonce", nonce_}, {"url", url}};
    if (use_jwk) {
      header["jwk"] = key_.public_key().to_jwk();
    } else {
      header["kid"] = kid_;
    }
    nonce_.clear();
    auto body = acme::sign_jws(key_, std::move(header), payload);
    // The gate's wait is not the server's time: it goes to gate_wait_ms, and t0 starts after it.
    ClassGate::Pass pass;
    if (auto cls = gate_class_of(kind); cls && run_.gate) {
      auto waited_from = BenchClock::now();
      pass = co_await run_.gate->enter(*cls);
      tally_.gate_waited(waited_from);
      if (run_.stopping) throw Stopping{};
    }
    auto t0 = BenchClock::now();
    auto response =
        co_await connection_.request(http::verb::post, *target, body, "application/jose+json", accept);
    pass.release();
    if (!response) {
      if (run_.stopping) throw Stopping{};
      tally_.error("transport-" + response.error().kind);
      throw FlowAbort{true};
    }
    run_.completed();
    if (auto nonce = response->find("Replay-Nonce"); nonce != response->end())
      nonce_ = std::string(nonce->value());
    // Mode limited measures refusals: a 429 is an answer, not an error.
    bool counted_refusal = run_.options.mode == Mode::limited && response->result_int() == 429;
    if (response->result_int() / 100 == 2 || counted_refusal) {
      tally_.sample(kind, t0);
      co_return std::move(*response);
    }
    auto type = short_problem_type(response->body(), response->result_int());
    if (type == "badNonce" && attempt < kBadNonceRetries) {
      ++tally_.figures.bad_nonce_retries;
      continue;
    }
    fail(type);
  }
}

asio::awaitable<void> Worker::register_account() {
  auto response = co_await post("newAccount", run_.directory.new_account, R"({"termsOfServiceAgreed":true})",
                                /*use_jwk=*/true);
  auto location = response.find(http::field::location);
  if (location == response.end()) fail("bench-newAccount-without-Location");
  kid_ = std::string(location->value());
  run_.acknowledged("account " + kid_);
}

asio::awaitable<void> Worker::run() {
  bool registered = run_.options.mode == Mode::nonce;
  while (!run_.stopping) {
    std::optional<FlowAbort> aborted;
    try {
      if (!registered) {
        co_await register_account();
        registered = true;
      }
      if (run_.options.mode == Mode::nonce) {
        co_await nonce_flow();
      } else if (run_.options.mode == Mode::limited) {
        co_await limited_flow();
      } else {
        co_await order_flow();
      }
    } catch (const Stopping&) {
      break;
    } catch (const FlowAbort& abort) {
      aborted = abort;
    }
    if (!aborted) continue;
    // A short pause keeps a server that refuses everything from being hammered in a hot loop.
    try {
      co_await sleep(std::chrono::milliseconds(aborted->transport ? 200 : 20));
    } catch (const Stopping&) {
      break;
    }
  }
}

}  // namespace cobble::bench
