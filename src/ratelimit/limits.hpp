#pragma once

#include <array>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/gcra.hpp"

namespace cobble::ratelimit {

// Let's Encrypt's limits, named as Boulder names them (its ratelimits/ package and the published
// docs at https://letsencrypt.org/docs/rate-limits/).
enum class LimitName {
  new_registrations_per_ip_address,
  new_registrations_per_ipv6_range,
  new_orders_per_account,
  failed_authorizations_per_domain_per_account,
  certificates_per_domain,
  certificates_per_fqdn_set,
};

inline constexpr std::array<LimitName, 6> kAllLimits = {
    LimitName::new_registrations_per_ip_address, LimitName::new_registrations_per_ipv6_range,
    LimitName::new_orders_per_account,           LimitName::failed_authorizations_per_domain_per_account,
    LimitName::certificates_per_domain,          LimitName::certificates_per_fqdn_set,
};

// "NewRegistrationsPerIPAddress", ... (Boulder's names; the config file and the management API use them).
std::string_view to_string(LimitName name);
std::optional<LimitName> limit_named(std::string_view text);
// What a person reads in a refusal: "new registrations from this IP address", ...
std::string_view describe(LimitName name);
// The anchor of the limit on Let's Encrypt's rate-limit page: "new-orders-per-account", ...
std::string_view docs_anchor(LimitName name);

// The limits in force: a limit absent from `limits` is off. Empty = rate limiting off (Pebble's
// stance and Cobble's default for tests).
struct LimitTable {
  std::map<LimitName, common::gcra::Limit> limits;
  // One bucket's own limit instead of its limit's, by bucket key ("NewOrdersPerAccount:42",
  // "CertificatesPerDomain:example.com"): Let's Encrypt's overrides for big subscribers. They
  // apply whether or not the limit itself is on.
  std::map<std::string, common::gcra::Limit> overrides;
  // Where a refusal's detail and Link rel="help" point.
  std::string docs_url = "https://letsencrypt.org/docs/rate-limits/";

  const common::gcra::Limit* find(LimitName name) const;
  // The bucket's override, else its limit's; null when neither is set.
  const common::gcra::Limit* find(LimitName name, const std::string& bucket_key) const;
  bool enabled() const { return !limits.empty() || !overrides.empty(); }

  // Let's Encrypt production (published 2026): 10 registrations per IP and 500 per IPv6 /48 per
  // 3 h, 300 new orders per account per 3 h, 5 failed authorizations per identifier per account
  // per hour, 50 certificates per registered domain and 5 per exact identifier set per 7 days.
  static LimitTable lets_encrypt_production();
  // Let's Encrypt staging: 50 registrations per IP per 3 h, 1,500 new orders per 3 h, 200 failed
  // authorizations per hour, 30,000 certificates per registered domain and per identifier set per
  // week (the /48 limit as production).
  static LimitTable lets_encrypt_staging();
};

}  // namespace cobble::ratelimit
