#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "acme/problem.hpp"
#include "api/message.hpp"
#include "common/result.hpp"

namespace cobble::api {

// Uniform numbers in [0, 1). Injectable so tests of random behaviour are deterministic.
class RandomSource {
 public:
  virtual ~RandomSource() = default;
  virtual double next() = 0;
};

// A Mersenne Twister; seeded from the system when no seed is given. Thread-safe.
class SeededRandom final : public RandomSource {
 public:
  SeededRandom() : engine_(std::random_device{}()) {}
  explicit SeededRandom(std::uint64_t seed) : engine_(seed) {}
  double next() override;

 private:
  std::mutex mu_;
  std::mt19937_64 engine_;
};

// Faults for one endpoint. Rates are shares of requests (0..1); at most one fault per request,
// and rateLimited + unavailable + badNonce may not exceed 1.
struct ChaosRule {
  double rate_limited = 0;      // 429 rateLimited + Retry-After
  double unavailable = 0;       // 503 serverInternal + Retry-After
  double bad_nonce = 0;         // badNonce (POST only), with a fresh Replay-Nonce as always
  int delay_ms = 0;             // slow responses: wait this long before answering...
  double delay_rate = 1;        // ...on this share of requests
  int retry_after_seconds = 1;  // Retry-After on 429 and 503
  bool operator==(const ChaosRule&) const = default;
};

// Endpoint name (kChaosEndpoints, or "*" for every endpoint without its own rule) → rule.
using ChaosSettings = std::map<std::string, ChaosRule, std::less<>>;

// Names chaos rules may use: the directory's names (RFC 8555 §7.1.1) and the resources'.
inline constexpr std::string_view kChaosEndpoints[] = {
    "directory", "newNonce",  "newAccount",  "account",    "keyChange",   "newOrder", "order", "finalize",
    "authz",     "challenge", "certificate", "revokeCert", "renewalInfo", "crl",      "*"};

// Reads {"newOrder": {"rateLimited": 0.1, "unavailable": 0.05, "badNonce": 0.1, "delayMs": 200,
// "delayRate": 0.5, "retryAfterSeconds": 2}, "*": {...}}. Refuses (invalid_argument, saying what
// and where) unknown endpoint names and fields, rates outside 0..1 or summing over 1, delays over
// 60 s, and badNonce on directory and newNonce (they take no nonce).
common::Result<ChaosSettings> parse_chaos(const nlohmann::json& json);
nlohmann::json to_json(const ChaosSettings& settings);

// The chaos endpoint name of a request to the ACME listener, or nullopt when it is not one.
std::optional<std::string_view> chaos_endpoint(const Request& request);

// What to do to one request: answer with `fault` instead of running the handler (when set), and
// wait `delay` before answering.
struct ChaosDecision {
  std::optional<acme::Problem> fault;
  std::chrono::milliseconds delay{0};
};

// Fault injection for client tests (Pebble issue #399) and Pebble's random badNonce
// (PEBBLE_WFE_NONCEREJECT). Off unless configured. Settings change at run time (management
// POST /chaos). Thread-safe.
class Chaos {
 public:
  explicit Chaos(std::unique_ptr<RandomSource> random = std::make_unique<SeededRandom>())
      : random_(std::move(random)) {}

  void set(ChaosSettings settings);
  ChaosSettings settings() const;
  // 0..100 (clamped): the share of otherwise good nonces refused with badNonce.
  void set_nonce_reject_percent(int percent);
  int nonce_reject_percent() const;

  // Rolls the dice for a request to `endpoint` (a kChaosEndpoints name); `post` says whether it
  // was a POST (only those can get badNonce).
  ChaosDecision decide(std::string_view endpoint, bool post);
  // Whether to refuse a good nonce (one roll, none when the percentage is 0).
  bool reject_nonce();

 private:
  mutable std::mutex mu_;
  ChaosSettings settings_;
  int nonce_reject_percent_ = 0;
  std::unique_ptr<RandomSource> random_;
};

}  // namespace cobble::api
