#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "bench/ack_log.hpp"
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

// What the workers share: options, the directory, the figures and the run's clock marks. Only
// touched from the event loop's one thread.
struct RunState {
  const Options& options;
  Directory directory;
  Figures figures;
  std::string run_tag;  // random label part, so names never repeat across runs
  BenchClock::time_point started{};
  BenchClock::time_point window_start{};  // end of the warmup
  BenchClock::time_point last_completion{};
  bool stopping = false;
  std::function<void(const std::string& reason)> request_stop;
  std::shared_ptr<Http01Tokens> http01 = std::make_shared<Http01Tokens>();
  std::unique_ptr<AckLog> acks;  // --record; null when not recording

  void acknowledged(const std::string& line) {
    if (acks) acks->write(line);
  }

  bool in_window(BenchClock::time_point t) const { return t >= window_start; }
  void completed() { last_completion = BenchClock::now(); }
  void error(const std::string& key) { ++figures.errors[key]; }
  // A request that succeeded, started at `t0`: counted when it started after the warmup.
  void sample(const std::string& kind, BenchClock::time_point t0) {
    if (in_window(t0) || kind == "newAccount") figures.requests[kind].add(ms_between(t0, BenchClock::now()));
  }
  void flow_done(BenchClock::time_point t0) {
    auto now = BenchClock::now();
    ++figures.flows_total;
    if (in_window(now)) ++figures.flows_in_window;
    if (in_window(t0)) figures.flows.add(ms_between(t0, now));
    if (options.flows > 0 && figures.flows_in_window >= options.flows) request_stop("flows");
  }
};

}  // namespace cobble::bench
