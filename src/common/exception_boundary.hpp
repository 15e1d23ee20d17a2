#pragma once

#include <exception>
#include <string>
#include <string_view>
#include <utility>

// Every thread and every task root (a posted job, a detached coroutine) has one of these at its
// base: an exception that escapes there is a bug, to be logged loudly, never a reason for the
// process to terminate (which is what std::thread, asio::thread_pool and a throwing handler inside
// io_context::run all do with an escaped exception).
namespace cobble::common {

// Logs an escaped exception (error level, with `where` and what() when it has one).
void log_escaped(std::string_view where, const std::exception_ptr& error) noexcept;

// Runs `work()`; an exception it throws is logged by log_escaped and swallowed. Returns whether
// `work` finished without one.
template <class Work>
bool guarded(std::string_view where, Work&& work) noexcept {
  try {
    std::forward<Work>(work)();
    return true;
  } catch (...) {
    log_escaped(where, std::current_exception());
  }
  return false;
}

// The completion handler for a coroutine nobody waits for (asio::co_spawn(ex, coro, LogEscaped{"…"})):
// asio::detached would drop its exception without a word.
struct LogEscaped {
  std::string where;
  void operator()(const std::exception_ptr& error) const noexcept {
    if (error) log_escaped(where, error);
  }
};

}  // namespace cobble::common
