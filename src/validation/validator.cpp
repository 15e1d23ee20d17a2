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

asio::awaitable<Outcome> Validator::validate_once(const Request& request, const std::string& source_address) {
  try {
    if (request.type == "http-01") {
      auto http = options_.http;
      http.source_address = source_address;
      co_return co_await validate_http01(resolver_, request, http);
    }
    if (request.type == "dns-01") co_return co_await validate_dns01(resolver_, request);
    if (request.type == "tls-alpn-01") {
      auto tls = options_.tls_alpn;
      tls.source_address = source_address;
      co_return co_await validate_tls_alpn01(resolver_, request, tls);
    }
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
  const auto& remotes = options_.remote.remotes;
  if (remotes.empty()) co_return co_await validate_once(request, options_.primary.source_address);
  std::vector<Perspective> all{options_.primary};
  all.insert(all.end(), remotes.begin(), remotes.end());
  auto executor = co_await asio::this_coro::executor;
  using Result = std::pair<std::size_t, Outcome>;
  asio::experimental::channel<void(boost::system::error_code, Result)> results(executor, all.size());
  for (std::size_t i = 0; i < all.size(); ++i) {
    asio::co_spawn(
        executor,
        [this, i, &all, &request, &results]() -> asio::awaitable<void> {
          auto outcome = co_await validate_once(request, all[i].source_address);
          // validate_once never throws, and the send cannot fail (the channel has room for all).
          co_await results.async_send(boost::system::error_code{}, Result{i, std::move(outcome)},
                                      asio::as_tuple(asio::use_awaitable));
        },
        common::LogEscaped{"validation perspective"});
  }
  // Every perspective is awaited (they reference `request`, `all` and `results`), then merged in
  // the order they are configured.
  std::vector<Outcome> outcomes(all.size());
  for (std::size_t n = 0; n < all.size(); ++n) {
    auto [i, outcome] = co_await results.async_receive(asio::use_awaitable);
    outcomes[i] = std::move(outcome);
  }
  Outcome merged;
  std::vector<PerspectiveResult> remote_results;
  for (std::size_t i = 0; i < all.size(); ++i) {
    auto& o = outcomes[i];
    merged.addresses.insert(merged.addresses.end(), o.addresses.begin(), o.addresses.end());
    merged.redirects.insert(merged.redirects.end(), o.redirects.begin(), o.redirects.end());
    merged.perspectives.push_back({all[i].name, all[i].rir, o.problem});
    if (i > 0) remote_results.push_back({all[i].name, all[i].rir, o.problem});
  }
  merged.problem = outcomes.front().problem;
  if (!merged.problem) merged.problem = corroboration_problem(options_.remote, remote_results);
  co_return merged;
}

}  // namespace cobble::validation
