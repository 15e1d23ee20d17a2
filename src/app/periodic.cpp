#include "app/periodic.hpp"

#include <boost/asio/post.hpp>

#include "common/exception_boundary.hpp"

namespace cobble::app {

Periodic::Periodic(boost::asio::io_context& io, boost::asio::any_io_executor work,
                   std::chrono::milliseconds period, std::string name, std::function<void()> tick)
    : timer_(io), work_(std::move(work)), period_(period), name_(std::move(name)), tick_(std::move(tick)) {
  arm();
}

Periodic::~Periodic() {
  *alive_ = false;
  timer_.cancel();
}

void Periodic::arm() {
  timer_.expires_after(period_);
  timer_.async_wait([this, alive = alive_](const boost::system::error_code& ec) {
    if (ec || !*alive) return;
    boost::asio::post(work_, [this, alive] {
      if (*alive) common::guarded(name_, tick_);
    });
    arm();
  });
}

}  // namespace cobble::app
