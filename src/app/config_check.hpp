#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "app/config.hpp"
#include "authority/ca_policy.hpp"
#include "common/result.hpp"

namespace cobble::app {

// The checks a whole configuration must pass before anything is built: values whose range a
// setting's type cannot say (ports, percentages, enumerations) and settings that must agree with
// each other (defaultProfile and profiles). main() runs it once every source (file, environment,
// flags) is applied, so a mistake stops start-up with the setting's name and exit status 2.
common::Result<void> check_config(const Config& config);

// termsRefusal's value by name; nothing for a name it does not know.
std::optional<authority::TermsRefusal> terms_refusal_named(std::string_view name);

// externalAccountMACKeys decoded: Pebble writes them base64url, trailing '=' tolerated.
common::Result<std::map<std::string, std::string>> decode_mac_keys(const Config& config);

}  // namespace cobble::app
