#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace cobble::app {

// Runs `io` until it is stopped or runs out of work. A handler that throws is logged and the loop
// goes on (io_context::run would pass the exception up and end the thread, and with it the process).
void run_surviving_exceptions(boost::asio::io_context& io, const std::string& name);

// One io_context per I/O thread (http::Server says why). The first also runs everything that is
// not a connection: acceptors, signals, validations, webhooks.
class IoThreads {
 public:
  explicit IoThreads(int count);
  boost::asio::io_context& main() { return *contexts_.front(); }
  std::vector<boost::asio::io_context*> all();
  // Runs the first context on the calling thread and the others on their own; returns once all stopped.
  void run();
  void stop();

 private:
  std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
  std::vector<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> guards_;
};

// A fixed set of threads running posted work, like asio::thread_pool, except that a job that
// throws is logged and the thread carries on. join() lets queued work finish, then returns.
class WorkerPool {
 public:
  WorkerPool(std::size_t threads, std::string name);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;
  boost::asio::any_io_executor get_executor() { return io_.get_executor(); }
  void join();

 private:
  boost::asio::io_context io_;
  std::unique_ptr<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> guard_;
  std::vector<std::thread> threads_;
};

}  // namespace cobble::app
