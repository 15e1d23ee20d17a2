#include <catch2/catch.hpp>

#include "ratelimit/keys.hpp"

using namespace cobble::ratelimit;

TEST_CASE("limits keep Boulder's names and documentation anchors", "[ratelimit]") {
  for (auto name : kAllLimits) {
    CAPTURE(to_string(name));
    CHECK(limit_named(to_string(name)) == name);
    CHECK_FALSE(docs_anchor(name).empty());
  }
  CHECK(to_string(LimitName::new_orders_per_account) == "NewOrdersPerAccount");
  CHECK(to_string(LimitName::certificates_per_fqdn_set) == "CertificatesPerFQDNSet");
  CHECK_FALSE(limit_named("newOrdersPerAccount"));
}

TEST_CASE("Let's Encrypt's production and staging values", "[ratelimit]") {
  using namespace std::chrono_literals;
  auto production = LimitTable::lets_encrypt_production();
  auto orders = production.find(LimitName::new_orders_per_account);
  REQUIRE(orders);
  CHECK(orders->burst == 300);
  CHECK(orders->count == 300);
  CHECK(orders->period == 3h);
  CHECK(production.find(LimitName::new_registrations_per_ip_address)->burst == 10);
  CHECK(production.find(LimitName::new_registrations_per_ipv6_range)->burst == 500);
  CHECK(production.find(LimitName::failed_authorizations_per_domain_per_account)->period == 1h);
  CHECK(production.find(LimitName::failed_authorizations_per_domain_per_account)->burst == 5);
  CHECK(production.find(LimitName::certificates_per_domain)->burst == 50);
  CHECK(production.find(LimitName::certificates_per_domain)->period == 168h);
  CHECK(production.find(LimitName::certificates_per_fqdn_set)->burst == 5);
  auto staging = LimitTable::lets_encrypt_staging();
  CHECK(staging.find(LimitName::new_orders_per_account)->burst == 1500);
  CHECK(staging.find(LimitName::certificates_per_domain)->burst == 30000);
  CHECK_FALSE(LimitTable{}.enabled());
}

TEST_CASE("registration buckets: the address and its IPv6 /48", "[ratelimit]") {
  CHECK(registrations_per_ip("192.0.2.7").text() == "NewRegistrationsPerIPAddress:192.0.2.7");
  auto range = registrations_per_ipv6_range("2001:db8:1:2:3::9");
  REQUIRE(range);
  CHECK(range->text() == "NewRegistrationsPerIPv6Range:2001:db8:1::/48");
  CHECK(registrations_per_ipv6_range("2001:db8:1:ffff::1")->id == "2001:db8:1::/48");
  CHECK_FALSE(registrations_per_ipv6_range("192.0.2.7"));
  CHECK_FALSE(registrations_per_ipv6_range("not an address"));
}

TEST_CASE("account buckets: orders per account, failed authorizations per identifier", "[ratelimit]") {
  CHECK(orders_per_account(42).text() == "NewOrdersPerAccount:42");
  CHECK(failed_authorizations(42, {"dns", "WWW.Example.com"}).text() ==
        "FailedAuthorizationsPerDomainPerAccount:42:www.example.com");
  // A wildcard's authorization is its base name's.
  CHECK(failed_authorizations(42, {"dns", "*.example.com"}).id == "42:example.com");
}

TEST_CASE("certificates per domain count registered domains by the Public Suffix List", "[ratelimit]") {
  RegisteredDomains domains;
  CHECK(domains.registered_domain("www.example.co.uk") == "example.co.uk");
  CHECK(domains.registered_domain("a.b.example.com") == "example.com");
  CHECK(domains.registered_domain("*.example.org") == "example.org");
  CHECK(domains.registered_domain("co.uk") == "co.uk");  // a public suffix counts as itself
  auto keys = certificates_per_domain(domains, {{"dns", "www.example.com"},
                                                {"dns", "example.com"},
                                                {"dns", "shop.example.co.uk"},
                                                {"ip", "192.0.2.1"},
                                                {"ip", "2001:db8:0:1:aaaa::1"}});
  REQUIRE(keys.size() == 4);
  CHECK(keys[0].text() == "CertificatesPerDomain:example.com");
  CHECK(keys[1].id == "example.co.uk");
  CHECK(keys[2].id == "192.0.2.1/32");
  CHECK(keys[3].id == "2001:db8:0:1::/64");
}

TEST_CASE("the exact-set bucket ignores order, case and repeats", "[ratelimit]") {
  auto a = certificates_per_fqdn_set({{"dns", "b.example.com"}, {"dns", "A.example.com"}});
  auto b = certificates_per_fqdn_set(
      {{"dns", "a.example.com"}, {"dns", "b.example.com"}, {"dns", "a.example.com"}});
  auto c = certificates_per_fqdn_set({{"dns", "a.example.com"}});
  CHECK(a == b);
  CHECK_FALSE(a == c);
  CHECK(a.id.size() == 64);
  CHECK(a.limit == LimitName::certificates_per_fqdn_set);
}
