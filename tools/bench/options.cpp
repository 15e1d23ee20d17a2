#include "bench/options.hpp"

#include <CLI/CLI.hpp>
#include <map>

namespace cobble::bench {

std::string_view to_string(Mode mode) {
  switch (mode) {
    case Mode::always:
      return "always";
    case Mode::http01:
      return "http01";
    case Mode::fail:
      return "fail";
    case Mode::nonce:
      return "nonce";
    case Mode::limited:
      return "limited";
  }
  return "?";
}

std::string_view to_string(Alg alg) {
  switch (alg) {
    case Alg::es256:
      return "ES256";
    case Alg::rs256:
      return "RS256";
    case Alg::eddsa:
      return "EdDSA";
  }
  return "?";
}

std::expected<Options, ParseExit> parse_options(const std::vector<std::string>& args) {
  Options o;
  CLI::App app{
      "cobble-bench: complete ACME flows (newOrder to certificate) from N concurrent workers against one "
      "server; prints one JSON line of figures.",
      "cobble-bench"};
  std::string mode = "always", alg = "ES256", cert_key = "ES256";
  app.add_option("directory", o.directory_url, "the server's directory URL (https://host:port/path)")
      ->required();
  app.add_option(
         "--mode", mode,
         "always (server skips validation), http01 (the bench answers http-01), fail (nothing "
         "answers: validations fail), nonce (HEAD newNonce only), limited (newOrder only: counts what the "
         "server's rate limits turn away)")
      ->capture_default_str();
  app.add_option("--workers", o.workers, "concurrent workers, each with its own account and connection")
      ->capture_default_str();
  app.add_option("--alg", alg, "account key algorithm: ES256, RS256 or EdDSA")->capture_default_str();
  app.add_option("--cert-key", cert_key,
                 "key in each CSR (fresh per flow): ES256 (P-256) or RS256 (RSA 2048)")
      ->capture_default_str();
  app.add_option("--duration", o.duration_seconds, "seconds to run (warmup included); 0 = until --flows")
      ->capture_default_str();
  app.add_option("--flows", o.flows, "stop after this many measured flows; 0 = until --duration")
      ->capture_default_str();
  app.add_option("--warmup", o.warmup_seconds, "first seconds excluded from the figures")
      ->capture_default_str();
  app.add_option("--timeout", o.timeout_seconds, "seconds allowed for each request")->capture_default_str();
  app.add_option("--stall-seconds", o.stall_seconds,
                 "no request completed for this long: report `stalled` and stop")
      ->capture_default_str();
  app.add_option("--poll-ms", o.poll_ms, "wait between polls of an authorization or order")
      ->capture_default_str();
  int first_order_poll_ms = 0;
  auto* first_order_poll =
      app.add_option("--first-order-poll-ms", first_order_poll_ms,
                     "wait before the first poll of an order finalize left processing (default: --poll-ms; "
                     "10 with --pebble-safe)");
  app.add_flag("--pebble-safe", o.pebble_safe,
               "never let an authorization POST-as-GET (authz, poll) and a newOrder be in flight together, "
               "and wait 10 ms before the first order poll: Pebble 2.4.0 deadlocks otherwise. Time spent "
               "waiting for the gate is reported as gate_wait_ms, not in the request latencies");
  app.add_option("--threads", o.threads,
                 "event-loop threads; workers are dealt over them round-robin (default 1)")
      ->capture_default_str();
  app.add_flag("--honour-retry-after", o.honour_retry_after,
               "poll after the server's Retry-After when it sends one");
  app.add_option("--http01-port", o.http01_port, "loopback port the bench answers http-01 on (mode http01)")
      ->capture_default_str();
  app.add_option("--ca-file", o.ca_file, "PEM file of the CA the server's HTTPS certificate chains to");
  app.add_flag("--insecure", o.insecure, "do not verify the server's HTTPS certificate");
  app.add_option("--server-pid", o.server_pid, "server process id: report its CPU seconds (from /proc)");
  app.add_option("--record", o.record_file,
                 "append each account, order status and certificate the server acknowledged to this file");
  app.add_option("--name-suffix", o.name_suffix, "ordered names are <unique label>.<suffix>")
      ->capture_default_str();

  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    return std::unexpected(ParseExit{0, app.help()});
  } catch (const CLI::ParseError& e) {
    return std::unexpected(ParseExit{2, std::string(e.what()) + "\nRun with --help for the options."});
  }
  auto refuse = [](std::string why) { return std::unexpected(ParseExit{2, "cobble-bench: " + why}); };

  static const std::map<std::string, Mode> modes = {{"always", Mode::always},
                                                    {"http01", Mode::http01},
                                                    {"fail", Mode::fail},
                                                    {"nonce", Mode::nonce},
                                                    {"limited", Mode::limited}};
  static const std::map<std::string, Alg> algs = {
      {"ES256", Alg::es256}, {"RS256", Alg::rs256}, {"EdDSA", Alg::eddsa}};
  if (!modes.contains(mode))
    return refuse("unknown --mode '" + mode + "' (always, http01, fail, nonce or limited)");
  o.mode = modes.at(mode);
  if (!algs.contains(alg)) return refuse("unknown --alg '" + alg + "' (ES256, RS256 or EdDSA)");
  o.alg = algs.at(alg);
  if (cert_key != "ES256" && cert_key != "RS256")
    return refuse("unknown --cert-key '" + cert_key + "' (ES256 or RS256)");
  o.cert_key_rsa = cert_key == "RS256";
  if (!o.directory_url.starts_with("https://"))
    return refuse("the directory URL must start with https:// (got '" + o.directory_url + "')");
  if (o.workers < 1 || o.workers > 10000) return refuse("--workers must be between 1 and 10000");
  if (o.duration_seconds < 0 || o.flows < 0 || o.warmup_seconds < 0)
    return refuse("--duration, --flows and --warmup cannot be negative");
  if (o.duration_seconds == 0 && o.flows == 0)
    return refuse("give --duration or --flows (or both): the run must end");
  if (o.duration_seconds > 0 && o.warmup_seconds >= o.duration_seconds)
    return refuse("--warmup must be shorter than --duration (nothing would be measured)");
  if (o.timeout_seconds <= 0 || o.stall_seconds <= 0)
    return refuse("--timeout and --stall-seconds must be positive");
  if (o.poll_ms < 0) return refuse("--poll-ms cannot be negative");
  if (first_order_poll_ms < 0) return refuse("--first-order-poll-ms cannot be negative");
  o.first_order_poll_ms = first_order_poll->count() > 0 ? first_order_poll_ms
                          : o.pebble_safe               ? kPebbleSafeFirstOrderPollMs
                                                        : o.poll_ms;
  if (o.threads < 1 || o.threads > 256) return refuse("--threads must be between 1 and 256");
  if (o.threads > o.workers) return refuse("--threads cannot exceed --workers (a thread would have none)");
  if (o.insecure && !o.ca_file.empty()) return refuse("--insecure and --ca-file contradict each other");
  if (!o.insecure && o.ca_file.empty())
    return refuse("give --ca-file with the server's HTTPS CA, or --insecure to skip verification");
  if (o.mode == Mode::http01 && o.http01_port == 0) return refuse("--http01-port must be a port number");
  if (o.server_pid < 0) return refuse("--server-pid must be a process id");
  return o;
}

}  // namespace cobble::bench
