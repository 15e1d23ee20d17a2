#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>
#include <expected>
#include <string>
#include <vector>

#include "acme/problem.hpp"
#include "validation/address_policy.hpp"
#include "validation/resolver.hpp"

namespace cobble::validation {

// The addresses to try for `host`, as Let's Encrypt does: the first IPv6 address, then the first
// IPv4 address (fallback when IPv6 does not connect). Addresses the policy refuses are dropped;
// when none is left the problem names the refused one. DNS failures become `dns` problems.
boost::asio::awaitable<std::expected<std::vector<boost::asio::ip::address>, acme::Problem>> addresses_to_try(
    Resolver& resolver, const std::string& host, const AddressPolicy& policy);

// "DNS problem: <detail> - check that a DNS record exists for this domain" (a dns problem).
acme::Problem dns_problem(const DnsError& error);

}  // namespace cobble::validation
