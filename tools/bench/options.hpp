#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <vector>

namespace cobble::bench {

// What one flow exercises (README.md in bench/ says what each measures).
enum class Mode {
  always,   // the server validates without contacting anything (alwaysValid / PEBBLE_VA_ALWAYS_VALID)
  http01,   // the bench answers http-01 itself on --http01-port
  fail,     // nothing answers: every validation fails (zombie traffic)
  nonce,    // HEAD newNonce only
  limited,  // newOrder only, from each worker's account: 429s counted (rate_limited), not errors
};

// The account key's JWS algorithm.
enum class Alg { es256, rs256, eddsa };

struct Options {
  std::string directory_url;
  Mode mode = Mode::always;
  Alg alg = Alg::es256;
  bool cert_key_rsa = false;  // CSR key: P-256 (false) or RSA 2048
  int workers = 16;
  double duration_seconds = 10;  // 0 = until --flows
  std::int64_t flows = 0;        // 0 = until --duration
  double warmup_seconds = 1;
  double timeout_seconds = 15;  // every request
  double stall_seconds = 10;
  int poll_ms = 50;
  // Wait before the first poll of an order that finalize left `processing` (later polls wait
  // --poll-ms). Default: --poll-ms, or kPebbleSafeFirstOrderPollMs with --pebble-safe.
  int first_order_poll_ms = 50;
  // Never an authorization POST-as-GET and a newOrder in flight together (gate.hpp), so Pebble
  // 2.4.0 does not deadlock; applied by whoever runs the bench, to one server or to both.
  bool pebble_safe = false;
  int threads = 1;  // event loops the workers are dealt over, round-robin
  bool honour_retry_after = false;
  std::uint16_t http01_port = 5002;
  std::string ca_file;  // PEM the server's TLS certificate must chain to
  bool insecure = false;
  int server_pid = 0;  // 0 = no server CPU figure
  std::string name_suffix = "bench.example.com";
  std::string record_file;  // --record: acknowledged writes (ack_log.hpp); "" = none
};

// Pebble 2.4.0 issues in the background after finalize; polling the order at once can meet the
// issuance mid-write, so --pebble-safe waits this long before the first order poll.
inline constexpr int kPebbleSafeFirstOrderPollMs = 10;

// Outcome of parsing: options, or an exit code with text to print (--help: 0 and the usage on
// stdout; a refusal: non-zero and the reason for stderr).
struct ParseExit {
  int code = 0;
  std::string text;
};

std::expected<Options, ParseExit> parse_options(const std::vector<std::string>& args);

std::string_view to_string(Mode mode);
std::string_view to_string(Alg alg);

}  // namespace cobble::bench
