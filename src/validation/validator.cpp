#include "validation/validator.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/channel.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>

#include "common/exception_boundary.hpp"
#include "common/text.hpp"
#include "validation/dns01.hpp"
#include "validation/dns_persist01.hpp"

namespace cobble::validation {
namespace asio = boost::asio;

asio::awaitable<Outcome> Validator::validate_once(const Request& request) {
  try {
    if (request.type == "http-01") co_return co_await validate_http01(resolver_, request, options_.http);
    if (request.type == "dns-01") co_return co_await validate_dns01(resolver_, request);
    if (request.type == "tls-alpn-01")
      co_return co_await validate_tls_alpn01(resolver_, request, options_.tls_alpn);
    if (request.type == "dns-account-01") co_return co_await validate_dns_account01(resolver_, request);
    if (request.type == "dns-persist-01")
      co_return co_await validate_dns_persist01(resolver_, request, options_.issuer_domain_names);
    co_return failed(acme::ProblemType::malformed, "Unknown challenge type \"" + request.type + "\"");
  } catch (const std::exception& e) {
    co_return failed(acme::ProblemType::server_internal,
                     std::string("The validation failed inside the CA: ") + e.what());
  } catch (...) {
    co_return failed(acme::ProblemType::server_internal, "The validation failed inside the CA");
  }
}

asio::awaitable<Outcome> Validator::validate(Request request) {
  auto outcome = co_await validate_perspectives(request);
  if (outcome.valid() && options_.caa.enabled) {
    try {
      outcome.problem = co_await check_caa(resolver_, request, options_.caa.issuer_domain_names);
    } catch (const std::exception& e) {
      outcome.problem = acme::Problem::make(acme::ProblemType::server_internal,
                                            std::string("The CAA check failed inside the CA: ") + e.what());
    }
  }
  co_return outcome;
}

asio::awaitable<Outcome> Validator::validate_perspectives(const Request& request) {
  int n = std::max(1, options_.perspectives);
  if (n == 1) co_return co_await validate_once(request);
  auto executor = co_await asio::this_coro::executor;
  asio::experimental::channel<void(boost::system::error_code, Outcome)> results(executor,
                                                                                static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    asio::co_spawn(
        executor,
        [this, &request, &results]() -> asio::awaitable<void> {
          auto outcome = co_await validate_once(request);
          // validate_once never throws, and the send cannot fail (the channel has room for all).
          co_await results.async_send(boost::system::error_code{}, std::move(outcome),
                                      asio::as_tuple(asio::use_awaitable));
        },
        common::LogEscaped{"validation perspective"});
  }
  // Every perspective is awaited (they reference `request` and `results`), then merged.
  Outcome merged;
  for (int i = 0; i < n; ++i) {
    auto outcome = co_await results.async_receive(asio::use_awaitable);
    merged.addresses.insert(merged.addresses.end(), outcome.addresses.begin(), outcome.addresses.end());
    merged.redirects.insert(merged.redirects.end(), outcome.redirects.begin(), outcome.redirects.end());
    if (outcome.problem && !merged.problem) merged.problem = outcome.problem;
  }
  co_return merged;
}

}  // namespace cobble::validation
