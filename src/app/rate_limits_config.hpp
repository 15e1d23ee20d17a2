#pragma once

#include <nlohmann/json.hpp>

#include "common/result.hpp"
#include "ratelimit/limits.hpp"
#include "ratelimit/request_limits.hpp"

namespace cobble::app {

// The `rateLimits` setting: "off" (or {}: no limits, as Pebble), "letsencrypt" (production's
// values), "staging" (Let's Encrypt staging's), or an object naming limits by Boulder's names,
// each {"burst": N, "count": N, "periodSeconds": S} (a bucket of `burst` that refills `count` per
// period; Let's Encrypt's "N per P" is burst = count = N), optionally {"preset": "letsencrypt",
// ...} to start from a preset and change some, and "overrides": [{"key": "NewOrdersPerAccount:42",
// "burst", "count", "periodSeconds"}] for single buckets. A limit set to null is off. invalid_argument
// naming the limit and key for anything else.
common::Result<ratelimit::LimitTable> rate_limits_from_json(const nlohmann::json& value);

// The `requestLimits` setting: "off" (or {}), "letsencrypt", "staging", or an object of endpoints
// (the chaos endpoint names: newNonce, newAccount, newOrder, revokeCert, renewalInfo, directory,
// account, keyChange, order, finalize, authz, challenge, certificate, crl) and "other" (every
// endpoint without its own), each {"perSecond": N, "burst": N}, optionally with a "preset" to
// start from. invalid_argument naming the endpoint and key for anything else.
common::Result<ratelimit::RequestLimitTable> request_limits_from_json(const nlohmann::json& value);

}  // namespace cobble::app
