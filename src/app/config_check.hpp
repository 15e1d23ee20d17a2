#pragma once

#include <map>
#include <string>

#include "app/config.hpp"
#include "common/result.hpp"

namespace cobble::app {

// The checks a whole configuration must pass before anything is built: values whose range a
// setting's type cannot say (ports, percentages, enumerations) and settings that must agree with
// each other (defaultProfile and profiles). main() runs it once every source (file, environment,
// flags) is applied, so a mistake stops start-up with the setting's name and exit status 2.
common::Result<void> check_config(const Config& config);

// externalAccountMACKeys decoded: Pebble writes them base64url, trailing '=' tolerated.
common::Result<std::map<std::string, std::string>> decode_mac_keys(const Config& config);

}  // namespace cobble::app
