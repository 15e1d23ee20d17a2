#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ratelimit/limits.hpp"

namespace cobble::ratelimit {

// One bucket of one limit: "NewOrdersPerAccount:42", "CertificatesPerDomain:example.com", ...
// (the limit's name, then what it counts, as the management API lists and resets them).
struct BucketKey {
  LimitName limit;
  std::string id;

  std::string text() const;
  bool operator==(const BucketKey&) const = default;
};

// An identifier as rate limits see it: type "dns" or "ip", value lower-cased (a wildcard's "*."
// stays: Boulder counts *.example.com and example.com as different names of one domain).
struct Identifier {
  std::string type;
  std::string value;
};

// Registered domains ("eTLD+1") by the Public Suffix List, through libpsl: the newest of the list
// Debian's `publicsuffix` package installs and libpsl's built-in copy. Thread-safe (read-only).
class RegisteredDomains {
 public:
  RegisteredDomains();
  ~RegisteredDomains();
  RegisteredDomains(const RegisteredDomains&) = delete;
  RegisteredDomains& operator=(const RegisteredDomains&) = delete;

  // "www.example.co.uk" → "example.co.uk". A name that is itself a public suffix, or that the list
  // cannot place, counts as its own registered domain (as Boulder does).
  std::string registered_domain(const std::string& name) const;

 private:
  struct Psl;
  std::unique_ptr<Psl> psl_;
};

// NewRegistrationsPerIPAddress: the client's address as given ("192.0.2.1", "2001:db8::1").
BucketKey registrations_per_ip(const std::string& address);
// NewRegistrationsPerIPv6Range: the /48 holding an IPv6 address ("2001:db8:1::/48"); nullopt for
// IPv4 or text that is not an address.
std::optional<BucketKey> registrations_per_ipv6_range(const std::string& address);
// NewOrdersPerAccount.
BucketKey orders_per_account(std::int64_t account_id);
// FailedAuthorizationsPerDomainPerAccount: "42:example.com" (a wildcard counts as its base name,
// whose authorization it is).
BucketKey failed_authorizations(std::int64_t account_id, const Identifier& identifier);
// CertificatesPerDomain: one key per distinct registered domain of the DNS names, per IPv4 address
// (/32) and per IPv6 /64, in first-seen order.
std::vector<BucketKey> certificates_per_domain(const RegisteredDomains& domains,
                                               const std::vector<Identifier>& identifiers);
// CertificatesPerFQDNSet: hex SHA-256 of the sorted, de-duplicated, lower-cased identifier values
// joined by ",", so the same set in any order or case is one bucket.
BucketKey certificates_per_fqdn_set(const std::vector<Identifier>& identifiers);

}  // namespace cobble::ratelimit
