#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "authority/ca_policy.hpp"
#include "common/result.hpp"

namespace cobble::app {

// The `profiles` setting: Pebble's shape {"<name>": {"description": "...", "validityPeriod":
// <seconds>}}, plus Cobble's optional keys (docs in README "Profiles"): "promoteCommonName" (bool,
// also Pebble's), "extendedKeyUsages" (["serverAuth", "clientAuth"], default ["serverAuth"]),
// "keyEncipherment", "subjectKeyIdentifier" (bools, default true), "orderLifetime",
// "pendingAuthzLifetime", "validAuthzLifetime" (seconds), "maxIdentifiers" and "identifierTypes"
// (["dns", "ip"]). Each profile starts as `base` (app/ gives the policy-wide values) and changes
// what it names. Returns them sorted by name. invalid_argument naming the profile and key for
// anything else (unknown keys, wrong types, a duration outside 1 s .. 10 years, a bad name).
common::Result<std::vector<authority::Profile>> profiles_from_json(const nlohmann::json& profiles,
                                                                   const authority::Profile& base = {});

}  // namespace cobble::app
