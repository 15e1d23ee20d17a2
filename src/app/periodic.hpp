#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace cobble::app {

// Runs `tick` every `period` on `work`, never on the I/O thread (ticks call the database); an
// exception it throws is logged under `name` and swallowed. Stops when destroyed: a tick queued
// meanwhile does nothing.
class Periodic {
 public:
  Periodic(boost::asio::io_context& io, boost::asio::any_io_executor work, std::chrono::milliseconds period,
           std::string name, std::function<void()> tick);
  ~Periodic();
  Periodic(const Periodic&) = delete;
  Periodic& operator=(const Periodic&) = delete;

 private:
  void arm();

  boost::asio::steady_timer timer_;
  boost::asio::any_io_executor work_;
  const std::chrono::milliseconds period_;
  const std::string name_;
  std::function<void()> tick_;
  std::shared_ptr<std::atomic<bool>> alive_ = std::make_shared<std::atomic<bool>>(true);
};

}  // namespace cobble::app
