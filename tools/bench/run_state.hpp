#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "bench/ack_log.hpp"
#include "bench/gate.hpp"
#include "bench/options.hpp"
#include "bench/stats.hpp"

namespace cobble::bench {

using BenchClock = std::chrono::steady_clock;

inline double ms_between(BenchClock::time_point from, BenchClock::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

struct Directory {
  std::string new_nonce;
  std::string new_account;
  std::string new_order;
};

// http-01 answers the bench serves: token → key authorization. Locked because the responder's
// sessions may run on another thread than the workers.
struct Http01Tokens {
  std::mutex mutex;
  std::map<std::string, std::string, std::less<>> answers;
  void add(const std::string& token, const std::string& key_authorization) {
    std::lock_guard lock(mutex);
    answers[token] = key_authorization;
  }
  void remove(const std::string& token) {
    std::lock_guard lock(mutex);
    answers.erase(token);
  }
};

// What every worker shares, whatever its thread: fields set before the threads start and only
// read after, the atomics, and objects that lock themselves (Http01Tokens, AckLog's one write()
// per line, ClassGate).
class RunState {
 public:
  explicit RunState(const Options& o) : options(o) {}

  const Options& options;
  Directory directory;
  std::string run_tag;  // random label part, so names never repeat across runs
  BenchClock::time_point started{};
  BenchClock::time_point window_start{};  // end of the warmup
  std::atomic<bool> stopping{false};
  // Ends the run (--flows reached); callable from any thread, only the first call counts.
  std::function<void(const std::string& reason)> request_stop;
  std::shared_ptr<Http01Tokens> http01 = std::make_shared<Http01Tokens>();
  std::unique_ptr<AckLog> acks;     // --record; null when not recording
  std::unique_ptr<ClassGate> gate;  // --pebble-safe; null otherwise

  void acknowledged(const std::string& line) {
    if (acks) acks->write(line);
  }
  bool in_window(BenchClock::time_point t) const { return t >= window_start; }
  // A request answered. Not after the stop: an answer a lane reads before its abort arrives must
  // not move the last completion past the stop (idle_at_end_s would turn negative).
  void completed() {
    if (!stopping) last_completion_.store(BenchClock::now().time_since_epoch().count());
  }
  BenchClock::time_point last_completion() const {
    return BenchClock::time_point(BenchClock::duration(last_completion_.load()));
  }
  void set_last_completion(BenchClock::time_point t) { last_completion_.store(t.time_since_epoch().count()); }
  // Counts one flow completed inside the window, over all threads; true once --flows is reached.
  bool count_flow_in_window() { return ++flows_in_window_ >= options.flows && options.flows > 0; }

 private:
  std::atomic<BenchClock::rep> last_completion_{0};
  std::atomic<std::int64_t> flows_in_window_{0};
};

// One event-loop thread's figures. Only the workers of that thread touch it, so nothing is locked;
// run.cpp merges every thread's Tally once the threads have ended.
struct Tally {
  RunState& run;
  Figures figures;

  void error(const std::string& key) { ++figures.errors[key]; }
  // A request that succeeded, started at `t0`: counted when it started after the warmup.
  void sample(const std::string& kind, BenchClock::time_point t0) {
    if (run.in_window(t0) || kind == "newAccount")
      figures.requests[kind].add(ms_between(t0, BenchClock::now()));
  }
  // A gated request that began waiting for its turn at `t0` and has it now.
  void gate_waited(BenchClock::time_point t0) {
    if (run.in_window(t0)) figures.gate_wait.add(ms_between(t0, BenchClock::now()));
  }
  void flow_done(BenchClock::time_point t0) {
    auto now = BenchClock::now();
    ++figures.flows_total;
    if (run.in_window(t0)) figures.flows.add(ms_between(t0, now));
    if (!run.in_window(now)) return;
    ++figures.flows_in_window;
    if (run.count_flow_in_window()) run.request_stop("flows");
  }
};

}  // namespace cobble::bench
