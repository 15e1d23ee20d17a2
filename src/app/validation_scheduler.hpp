#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <functional>
#include <optional>

#include "acme/problem.hpp"
#include "authority/challenges.hpp"
#include "authority/validation_port.hpp"

namespace cobble::app {

// Runs each validation off the request path, on `executor`, and records its outcome through
// Challenges. `validate` returns no problem for a pass. attach() must be called before schedule().
class PooledValidationScheduler final : public authority::ValidationScheduler {
 public:
  using Validate = std::function<std::optional<acme::Problem>(const authority::ValidationTask&)>;

  PooledValidationScheduler(boost::asio::any_io_executor executor, Validate validate)
      : executor_(std::move(executor)), validate_(std::move(validate)) {}
  void attach(const authority::Challenges& challenges) { challenges_ = &challenges; }
  void schedule(authority::ValidationTask task) override;

 private:
  boost::asio::any_io_executor executor_;
  Validate validate_;
  const authority::Challenges* challenges_ = nullptr;
};

}  // namespace cobble::app
