#pragma once

#include <boost/asio/ip/address.hpp>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "validation/resolver.hpp"

// The records in a DNS response message, as c-ares parses them. Pure functions over the bytes a
// DNS server (or whoever answers in its place) sent: the part of the resolver that outside input
// reaches first, kept apart so that it can be fuzzed without sockets.
namespace cobble::validation::dns_answers {

// TXT records of `name` in `message`; a record's character-strings are concatenated (RFC 8555
// §8.4). no_data when there are none; other when the message does not parse.
DnsResult<std::vector<std::string>> txt_records(std::span<const unsigned char> message,
                                                const std::string& name);

// CAA records of `name` in `message` (flags, tag, raw value). no_data when there are none.
DnsResult<std::vector<CaaRecord>> caa_records(std::span<const unsigned char> message,
                                              const std::string& name);

// A or AAAA (`ipv6`) addresses in `message`. no_data when there are none.
DnsResult<std::vector<boost::asio::ip::address>> addresses(std::span<const unsigned char> message, bool ipv6,
                                                           const std::string& name);

// The error for a c-ares status (ARES_ENOTFOUND → nxdomain, ...), in words: "NXDOMAIN looking up
// <type> for <name>"; `no_data_detail` for ARES_ENODATA.
DnsError error_for(int ares_status, std::string_view type, const std::string& name,
                   std::string no_data_detail);

}  // namespace cobble::validation::dns_answers
