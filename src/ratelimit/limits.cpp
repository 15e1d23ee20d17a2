#include "ratelimit/limits.hpp"

namespace cobble::ratelimit {
namespace {

using namespace std::chrono_literals;
using common::gcra::Limit;

struct NameInfo {
  LimitName name;
  std::string_view text;
  std::string_view description;
  std::string_view anchor;
};

constexpr std::array<NameInfo, 6> kNames = {{
    {LimitName::new_registrations_per_ip_address, "NewRegistrationsPerIPAddress",
     "new registrations from this IP address", "new-registrations-per-ip-address"},
    {LimitName::new_registrations_per_ipv6_range, "NewRegistrationsPerIPv6Range",
     "new registrations from this IPv6 /48 range", "new-registrations-per-ipv6-range"},
    {LimitName::new_orders_per_account, "NewOrdersPerAccount", "new orders from this account",
     "new-orders-per-account"},
    {LimitName::failed_authorizations_per_domain_per_account, "FailedAuthorizationsPerDomainPerAccount",
     "failed authorizations for this identifier by this account",
     "authorization-failures-per-hostname-per-account"},
    {LimitName::certificates_per_domain, "CertificatesPerDomain", "certificates for this registered domain",
     "new-certificates-per-registered-domain"},
    {LimitName::certificates_per_fqdn_set, "CertificatesPerFQDNSet",
     "certificates for this exact set of identifiers", "new-certificates-per-exact-set-of-identifiers"},
}};

const NameInfo& info(LimitName name) {
  for (const auto& each : kNames) {
    if (each.name == name) return each;
  }
  return kNames[0];  // unreachable: every enumerator is in the table
}

// "N per P" as Let's Encrypt writes it: a bucket of N that refills completely over P.
Limit per(std::int64_t count, common::gcra::Duration period) { return Limit{count, count, period}; }

}  // namespace

std::string_view to_string(LimitName name) { return info(name).text; }
std::string_view describe(LimitName name) { return info(name).description; }
std::string_view docs_anchor(LimitName name) { return info(name).anchor; }

std::optional<LimitName> limit_named(std::string_view text) {
  for (const auto& each : kNames) {
    if (each.text == text) return each.name;
  }
  return std::nullopt;
}

const Limit* LimitTable::find(LimitName name) const {
  auto it = limits.find(name);
  return it == limits.end() ? nullptr : &it->second;
}

const Limit* LimitTable::find(LimitName name, const std::string& bucket_key) const {
  if (auto it = overrides.find(bucket_key); it != overrides.end()) return &it->second;
  return find(name);
}

LimitTable LimitTable::lets_encrypt_production() {
  LimitTable table;
  table.limits = {
      {LimitName::new_registrations_per_ip_address, per(10, 3h)},
      {LimitName::new_registrations_per_ipv6_range, per(500, 3h)},
      {LimitName::new_orders_per_account, per(300, 3h)},
      {LimitName::failed_authorizations_per_domain_per_account, per(5, 1h)},
      {LimitName::certificates_per_domain, per(50, 24h * 7)},
      {LimitName::certificates_per_fqdn_set, per(5, 24h * 7)},
  };
  return table;
}

LimitTable LimitTable::lets_encrypt_staging() {
  LimitTable table;
  table.limits = {
      {LimitName::new_registrations_per_ip_address, per(50, 3h)},
      {LimitName::new_registrations_per_ipv6_range, per(500, 3h)},
      {LimitName::new_orders_per_account, per(1500, 3h)},
      {LimitName::failed_authorizations_per_domain_per_account, per(200, 1h)},
      {LimitName::certificates_per_domain, per(30000, 24h * 7)},
      {LimitName::certificates_per_fqdn_set, per(30000, 24h * 7)},
  };
  return table;
}

}  // namespace cobble::ratelimit
