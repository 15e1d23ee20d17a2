#include "app/threads.hpp"

#include "common/exception_boundary.hpp"

namespace cobble::app {
namespace asio = boost::asio;

void run_surviving_exceptions(asio::io_context& io, const std::string& name) {
  while (!common::guarded(name, [&io] { io.run(); })) {
  }
}

IoThreads::IoThreads(int count) {
  for (int i = 0; i < count; ++i) {
    contexts_.push_back(std::make_unique<asio::io_context>(1));
    // Until stop(), a context without connections must keep its thread waiting, not return.
    guards_.push_back(asio::make_work_guard(*contexts_.back()));
  }
}

std::vector<asio::io_context*> IoThreads::all() {
  std::vector<asio::io_context*> raw;
  for (auto& c : contexts_) raw.push_back(c.get());
  return raw;
}

void IoThreads::run() {
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < contexts_.size(); ++i) {
    threads.emplace_back(
        [c = contexts_[i].get(), i] { run_surviving_exceptions(*c, "I/O thread " + std::to_string(i)); });
  }
  run_surviving_exceptions(*contexts_.front(), "I/O thread 0");
  for (auto& t : threads) t.join();
}

void IoThreads::stop() {
  for (auto& c : contexts_) c->stop();
}

WorkerPool::WorkerPool(std::size_t threads, std::string name)
    : guard_(std::make_unique<asio::executor_work_guard<asio::io_context::executor_type>>(
          asio::make_work_guard(io_))) {
  for (std::size_t i = 0; i < std::max<std::size_t>(1, threads); ++i) {
    threads_.emplace_back(
        [this, where = name + " thread " + std::to_string(i)] { run_surviving_exceptions(io_, where); });
  }
}

WorkerPool::~WorkerPool() { join(); }

void WorkerPool::join() {
  guard_.reset();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
}

}  // namespace cobble::app
