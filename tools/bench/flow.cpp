// The flows a worker repeats: a complete issuance (modes always, http01, fail), one newNonce, or
// one newOrder (mode limited).
#include <openssl/evp.h>

#include <boost/beast/http/field.hpp>
#include <utility>

#include "bench/worker.hpp"
#include "ca/csr_builder.hpp"
#include "common/base64url.hpp"

namespace cobble::bench {

namespace asio = boost::asio;
namespace http = boost::beast::http;

namespace {

// Polling stops with an error after this long, so one stuck authorization cannot hold a worker.
constexpr auto kMaxPoll = std::chrono::seconds(120);

std::string status_of(const nlohmann::json& object) {
  auto it = object.find("status");
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

// The short problem type of an invalid authorization's failed challenge, for the error key.
std::string challenge_error_of(const nlohmann::json& authz) {
  if (auto error = authz.find("error"); error != authz.end() && error->is_object()) {
    std::string type = error->value("type", "");
    return type.substr(type.rfind(':') + 1);
  }
  if (auto challenges = authz.find("challenges"); challenges != authz.end() && challenges->is_array()) {
    for (const auto& challenge : *challenges) {
      auto error = challenge.find("error");
      if (error == challenge.end() || !error->is_object() || !error->contains("type")) continue;
      std::string type = error->value("type", "");
      return type.substr(type.rfind(':') + 1);
    }
  }
  return "no-error-given";
}

// Built outside the coroutines: GCC 12 cannot keep an initializer list's array in a coroutine
// frame ("array used as initializer").
std::string new_order_payload(const std::string& name) {
  return nlohmann::json{{"identifiers", {{{"type", "dns"}, {"value", name}}}}}.dump();
}
std::string finalize_payload(const std::string& csr_der) {
  return nlohmann::json{{"csr", common::base64url_encode(csr_der)}}.dump();
}
std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr);
  return common::hex_encode(std::string_view(reinterpret_cast<const char*>(digest), length));
}
const std::vector<std::string> kAuthzWaiting = {"pending", "processing"};
const std::vector<std::string> kOrderWaiting = {"processing"};

}  // namespace

asio::awaitable<void> Worker::nonce_flow() {
  auto t0 = BenchClock::now();
  co_await fetch_nonce();
  tally_.flow_done(t0);
}

// One newOrder from this worker's account, nothing after it: with the server's NewOrdersPerAccount
// on, most are refused once the burst is spent, and each refusal still costs the server a check.
asio::awaitable<void> Worker::limited_flow() {
  auto t0 = BenchClock::now();
  auto name = "w" + std::to_string(id_) + "-" + std::to_string(++flow_number_) + "-" + run_.run_tag + "." +
              run_.options.name_suffix;
  auto response = co_await post("newOrder", run_.directory.new_order, new_order_payload(name));
  if (response.result_int() == 429) ++tally_.figures.rate_limited;
  tally_.flow_done(t0);
}

asio::awaitable<nlohmann::json> Worker::poll_until_settled(const char* kind, const std::string& url,
                                                           Response last,
                                                           const std::vector<std::string>& waiting,
                                                           std::chrono::milliseconds first_wait) {
  auto object = json_of(last);
  auto give_up = BenchClock::now() + kMaxPoll;
  auto is_waiting = [&](const std::string& status) {
    for (const auto& w : waiting)
      if (status == w) return true;
    return false;
  };
  while (is_waiting(status_of(object))) {
    if (BenchClock::now() > give_up) fail(std::string("bench-") + kind + "-poll-gave-up");
    co_await poll_pause(last, std::exchange(first_wait, std::chrono::milliseconds(run_.options.poll_ms)));
    last = co_await post(kind, url, "");
    object = json_of(last);
  }
  co_return object;
}

asio::awaitable<void> Worker::order_flow() {
  auto t0 = BenchClock::now();
  auto name = "w" + std::to_string(id_) + "-" + std::to_string(++flow_number_) + "-" + run_.run_tag + "." +
              run_.options.name_suffix;
  auto created = co_await post("newOrder", run_.directory.new_order, new_order_payload(name));
  auto location = created.find(http::field::location);
  if (location == created.end()) fail("bench-newOrder-without-Location");
  std::string order_url(location->value());
  run_.acknowledged("order " + order_url + " pending");
  auto order = json_of(created);
  if (!order.contains("authorizations") || !order["authorizations"].is_array() ||
      order["authorizations"].empty() || !order["authorizations"][0].is_string() ||
      !order.contains("finalize") || !order["finalize"].is_string())
    fail("bench-order-without-authorizations-or-finalize");
  std::string authz_url = order["authorizations"][0];

  auto authz_response = co_await post("authz", authz_url, "");
  auto authz = json_of(authz_response);
  if (status_of(authz) != "valid") {
    std::string token, challenge_url;
    if (auto challenges = authz.find("challenges"); challenges != authz.end() && challenges->is_array()) {
      for (const auto& challenge : *challenges) {
        if (challenge.value("type", "") != "http-01") continue;
        token = challenge.value("token", "");
        challenge_url = challenge.value("url", "");
      }
    }
    if (token.empty() || challenge_url.empty()) fail("bench-no-http-01-challenge");
    if (run_.options.mode == Mode::http01) run_.http01->add(token, token + "." + thumbprint_);
    struct Forget {  // the answer is only needed while this authorization is being validated
      RunState& run;
      std::string token;
      ~Forget() { run.http01->remove(token); }
    } forget{run_, token};
    auto answered = co_await post("challenge", challenge_url, "{}");
    // As lego does: a challenge answered "valid" at once needs no poll; otherwise poll the
    // authorization (RFC 8555 §7.5.1), waiting before the first poll too.
    authz = co_await poll_until_settled("poll", authz_url, std::move(answered), kAuthzWaiting,
                                        std::chrono::milliseconds(run_.options.poll_ms));
  }
  if (status_of(authz) == "invalid") {
    ++tally_.figures.failed_validations;
    if (run_.options.mode == Mode::fail) {
      tally_.flow_done(t0);
      co_return;
    }
    fail("authz-invalid-" + challenge_error_of(authz));
  }
  if (status_of(authz) != "valid") fail("bench-authz-" + status_of(authz));
  if (run_.options.mode == Mode::fail) fail("bench-fail-mode-but-authz-valid");

  // A fresh key per certificate, as certbot and lego do unless told to reuse one.
  auto cert_key = acme::PrivateKey::generate(run_.options.cert_key_rsa ? acme::PrivateKey::Kind::rs256
                                                                       : acme::PrivateKey::Kind::es256);
  auto csr = ca::make_csr_der(cert_key.native(), std::vector<std::string>(1, name));
  if (!csr) fail("bench-csr");
  auto finalized = co_await post("finalize", order["finalize"].get<std::string>(), finalize_payload(*csr));
  // lego uses a finalize answer that is already valid; otherwise poll the order (Pebble 2.4.0
  // answers "processing" and issues in the background).
  auto final_order = co_await poll_until_settled("order", order_url, std::move(finalized), kOrderWaiting,
                                                 std::chrono::milliseconds(run_.options.first_order_poll_ms));
  if (status_of(final_order) != "valid") fail("bench-order-" + status_of(final_order) + "-after-finalize");
  if (!final_order.contains("certificate") || !final_order["certificate"].is_string())
    fail("bench-valid-order-without-certificate");
  auto chain = co_await post("cert", final_order["certificate"].get<std::string>(), "", false,
                             "application/pem-certificate-chain");
  if (!chain.body().starts_with("-----BEGIN CERTIFICATE-----")) fail("bench-certificate-not-pem");
  run_.acknowledged("order " + order_url + " valid");
  run_.acknowledged("cert " + final_order["certificate"].get<std::string>() + " " + sha256_hex(chain.body()));
  tally_.flow_done(t0);
}

}  // namespace cobble::bench
