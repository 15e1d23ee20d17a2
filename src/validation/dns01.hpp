#pragma once

#include <boost/asio/awaitable.hpp>
#include <string>

#include "validation/outcome.hpp"
#include "validation/resolver.hpp"

namespace cobble::validation {

// RFC 8555 §8.4: looks up TXT at "_acme-challenge.<identifier.value>" and passes when any record
// equals base64url(SHA-256(key_authorization)). `request` is read before the first suspension, so
// the caller need not keep it alive; `resolver` must outlive the call. Runs on the caller's executor.
// Failures (Outcome.problem; addresses stays empty):
//   no TXT records                 -> unauthorized "No TXT record found at <name>"
//   records, none matching         -> unauthorized "Incorrect TXT record \"<first, ≤100 chars>\" found at
//   <name>" NXDOMAIN, SERVFAIL, timeout, … -> dns "DNS problem: <DnsError.detail> - check that a DNS record
//   exists for this domain"
boost::asio::awaitable<Outcome> validate_dns01(Resolver& resolver, const Request& request);

// The failure of a TXT lookup at `name`, as every DNS-based challenge reports it: no records is
// unauthorized, any other DNS error (NXDOMAIN, SERVFAIL, timeout) is a dns problem.
Outcome txt_lookup_failed(const DnsError& error, const std::string& name);

// draft-ietf-acme-dns-account-label §3: the validation domain name
// "_" || base32(SHA-256(account_url)[0:10]) || "._acme-challenge." || domain, the base32 label
// (RFC 4648, 16 characters, no padding) lower-cased as DNS names are.
std::string dns_account01_name(std::string_view account_url, std::string_view domain);

// dns-account-01: as dns-01 (same digest, same failures), at dns_account01_name(request.account_url,
// identifier). An empty account_url fails with serverInternal (the CA lost track of it).
boost::asio::awaitable<Outcome> validate_dns_account01(Resolver& resolver, const Request& request);

}  // namespace cobble::validation
