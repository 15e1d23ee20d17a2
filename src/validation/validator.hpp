#pragma once

#include <boost/asio/awaitable.hpp>

#include "validation/http01.hpp"
#include "validation/outcome.hpp"
#include "validation/resolver.hpp"
#include "validation/tls_alpn01.hpp"

namespace cobble::validation {

struct ValidatorOptions {
  HttpOptions http;
  TlsAlpnOptions tls_alpn;
  // Concurrent attempts per challenge; all must pass (Pebble makes three). Each one resolves and
  // connects on its own, so a flapping setup fails as it would from several vantage points.
  int perspectives = 1;
};

// Validates challenges of every supported type. Pure async I/O on the caller's executor; never
// blocks, never touches storage. `resolver` must outlive it.
class Validator {
 public:
  Validator(Resolver& resolver, ValidatorOptions options)
      : resolver_(resolver), options_(std::move(options)) {}

  // The outcome of `request`: the first failing perspective's problem, or a pass when all pass.
  // Unknown challenge types fail with malformed. Never throws.
  boost::asio::awaitable<Outcome> validate(Request request);

 private:
  boost::asio::awaitable<Outcome> validate_once(const Request& request);

  Resolver& resolver_;
  ValidatorOptions options_;
};

}  // namespace cobble::validation
