#include <catch2/catch.hpp>

#include "app/rate_limits_config.hpp"

using cobble::app::rate_limits_from_json;
using cobble::ratelimit::LimitName;
using namespace std::chrono_literals;

TEST_CASE("rateLimits: presets by name", "[app][ratelimit]") {
  CHECK_FALSE(rate_limits_from_json("off")->enabled());
  CHECK_FALSE(rate_limits_from_json(nlohmann::json::object())->enabled());
  CHECK(rate_limits_from_json("letsencrypt")->find(LimitName::new_orders_per_account)->burst == 300);
  CHECK(rate_limits_from_json("staging")->find(LimitName::new_orders_per_account)->burst == 1500);
}

TEST_CASE("rateLimits: limits by Boulder's names, on top of a preset or alone", "[app][ratelimit]") {
  auto table = rate_limits_from_json(nlohmann::json::parse(R"({
    "preset": "letsencrypt",
    "NewOrdersPerAccount": {"burst": 2, "count": 2, "periodSeconds": 60},
    "CertificatesPerFQDNSet": null})"));
  REQUIRE(table);
  auto orders = table->find(LimitName::new_orders_per_account);
  REQUIRE(orders);
  CHECK(orders->burst == 2);
  CHECK(orders->period == 60s);
  CHECK_FALSE(table->find(LimitName::certificates_per_fqdn_set));
  CHECK(table->find(LimitName::certificates_per_domain)->burst == 50);  // the preset's
  auto alone = rate_limits_from_json(
      nlohmann::json::parse(R"({"CertificatesPerDomain": {"burst": 1, "count": 1, "periodSeconds": 3600}})"));
  REQUIRE(alone);
  CHECK(alone->limits.size() == 1);
}

TEST_CASE("rateLimits: anything else is refused naming the limit and key", "[app][ratelimit]") {
  auto [text, words] = GENERATE(table<std::string, std::string>({
      {R"("production")", "unknown preset"},
      {R"(5)", "must be"},
      {R"({"NewOrders": {"burst": 1, "count": 1, "periodSeconds": 1}})", "unknown limit \"NewOrders\""},
      {R"({"NewOrdersPerAccount": {"burst": 0, "count": 1, "periodSeconds": 1}})",
       "NewOrdersPerAccount.burst"},
      {R"({"NewOrdersPerAccount": {"burst": 1, "count": 1}})", "needs \"periodSeconds\""},
      {R"({"NewOrdersPerAccount": {"burst": 1, "count": 1, "periodSeconds": 1, "x": 1}})",
       "unknown key \"x\""},
      {R"({"NewOrdersPerAccount": {"burst": 1, "count": 1, "periodSeconds": "1h"}})", "periodSeconds"},
      {R"({"NewOrdersPerAccount": 5})", "must be {"},
      {R"({"preset": 1})", "preset"},
  }));
  CAPTURE(text);
  auto parsed = rate_limits_from_json(nlohmann::json::parse(text));
  REQUIRE_FALSE(parsed);
  CHECK_THAT(parsed.error().message, Catch::Contains(words));
}

TEST_CASE("requestLimits: presets, endpoints and `other`; anything else refused", "[app][ratelimit]") {
  using cobble::app::request_limits_from_json;
  CHECK_FALSE(request_limits_from_json("off")->enabled());
  CHECK(request_limits_from_json("letsencrypt")->find("newOrder")->per_second == 300);
  CHECK(request_limits_from_json("staging")->find("newOrder")->per_second == 20);
  auto table = request_limits_from_json(nlohmann::json::parse(
      R"({"preset": "letsencrypt", "newOrder": {"perSecond": 1, "burst": 2}, "other": null})"));
  REQUIRE(table);
  CHECK(table->find("newOrder")->burst == 2);
  CHECK_FALSE(table->find("authz"));
  CHECK(table->find("newNonce")->per_second == 20);
  for (const char* bad :
       {R"("fast")", R"({"newOrdr": {"perSecond": 1, "burst": 1}})",
        R"({"newOrder": {"perSecond": 0, "burst": 1}})", R"({"newOrder": {"perSecond": 1}})",
        R"({"newOrder": {"perSecond": 1, "burst": 1, "x": 1}})"}) {
    CAPTURE(bad);
    CHECK_FALSE(request_limits_from_json(nlohmann::json::parse(bad)));
  }
}

TEST_CASE("rateLimits: overrides for single buckets", "[app][ratelimit]") {
  auto table = rate_limits_from_json(nlohmann::json::parse(R"({"preset": "letsencrypt", "overrides": [
    {"key": "NewOrdersPerAccount:42", "burst": 3000, "count": 3000, "periodSeconds": 10800},
    {"key": "CertificatesPerDomain:example.com", "burst": 500, "count": 500, "periodSeconds": 604800}]})"));
  REQUIRE(table);
  CHECK(table->find(LimitName::new_orders_per_account, "NewOrdersPerAccount:42")->burst == 3000);
  CHECK(table->find(LimitName::new_orders_per_account, "NewOrdersPerAccount:7")->burst == 300);
  CHECK(table->find(LimitName::certificates_per_domain, "CertificatesPerDomain:example.com")->burst == 500);
  for (const char* bad :
       {R"({"overrides": {}})", R"({"overrides": [{"burst": 1}]})",
        R"({"overrides": [{"key": "Orders:1", "burst": 1, "count": 1, "periodSeconds": 1}]})",
        R"({"overrides": [{"key": "NewOrdersPerAccount:", "burst": 1, "count": 1, "periodSeconds": 1}]})",
        R"({"overrides": [{"key": "NewOrdersPerAccount:1", "burst": 1}]})"}) {
    CAPTURE(bad);
    CHECK_FALSE(rate_limits_from_json(nlohmann::json::parse(bad)));
  }
}
