#pragma once

#include <nlohmann/json.hpp>

#include "common/result.hpp"

namespace cobble::app {

// The content checks of single settings, run by config.cpp after a value's type is checked;
// invalid_argument with a message a person can act on (config.cpp prefixes the setting's name).
common::Result<void> check_profiles(const nlohmann::json& value);
common::Result<void> check_rate_limits(const nlohmann::json& value);
common::Result<void> check_request_limits(const nlohmann::json& value);
common::Result<void> check_chaos(const nlohmann::json& value);
// RFC 5280 §5.3.1's usable reason codes: 0-6 and 8-10.
common::Result<void> check_revocation_reasons(const nlohmann::json& value);
// Dotted OIDs as X.509 writes them: an arc 0-2, then at least one more arc.
common::Result<void> check_policy_oids(const nlohmann::json& value);
// externalUrl is a scheme and an authority (http::valid_authority): links append the paths (/dir,
// /acme/...), and the routes know no prefix, so a path is refused.
common::Result<void> check_external_url(const nlohmann::json& value);
// trustedProxies: a list of IP addresses and CIDR networks (http::TrustedProxies::parse).
common::Result<void> check_trusted_proxies(const nlohmann::json& value);

}  // namespace cobble::app
