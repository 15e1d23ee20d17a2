#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "authority/ca_policy.hpp"
#include "common/result.hpp"

namespace cobble::app {

// The `profiles` setting: Pebble's shape {"<name>": {"description": "...", "validityPeriod":
// <seconds>}}, plus Cobble's optional "promoteCommonName" (bool, also Pebble's) and
// "extendedKeyUsages" (["serverAuth", "clientAuth"], default ["serverAuth"]). Returns them sorted
// by name. invalid_argument naming the profile and key for anything else (unknown keys, a
// validity outside 1 s .. 10 years, a bad name).
common::Result<std::vector<authority::Profile>> profiles_from_json(const nlohmann::json& profiles);

}  // namespace cobble::app
