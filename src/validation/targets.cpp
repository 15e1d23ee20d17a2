#include "validation/targets.hpp"

namespace cobble::validation {
namespace asio = boost::asio;

acme::Problem dns_problem(const DnsError& error) {
  return acme::Problem::make(acme::ProblemType::dns, "DNS problem: " + error.detail +
                                                         " - check that a DNS record exists for this domain");
}

asio::awaitable<std::expected<std::vector<asio::ip::address>, acme::Problem>> addresses_to_try(
    Resolver& resolver, const std::string& host, const AddressPolicy& policy) {
  std::vector<asio::ip::address> found;
  boost::system::error_code ec;
  auto literal = asio::ip::make_address(host, ec);
  if (!ec) {
    found.push_back(literal);
  } else {
    auto looked_up = co_await resolver.lookup_addresses(host);
    if (!looked_up) co_return std::unexpected(dns_problem(looked_up.error()));
    found = std::move(*looked_up);
  }
  std::vector<asio::ip::address> chosen;
  std::string first_refusal;
  bool have_v6 = false, have_v4 = false;
  for (const auto& address : found) {
    auto why = policy.refusal(address);
    if (!why.empty()) {
      if (first_refusal.empty()) first_refusal = why;
      continue;
    }
    if (address.is_v6() && !have_v6) chosen.insert(chosen.begin(), address), have_v6 = true;
    if (address.is_v4() && !have_v4) chosen.push_back(address), have_v4 = true;
  }
  if (chosen.empty()) {
    if (first_refusal.empty()) {
      co_return std::unexpected(
          acme::Problem::make(acme::ProblemType::dns, "No valid IP addresses found for " + host));
    }
    co_return std::unexpected(acme::Problem::make(
        acme::ProblemType::connection,
        "Refusing to contact " + host + ": " + first_refusal + ", which this CA never connects to"));
  }
  co_return chosen;
}

}  // namespace cobble::validation
