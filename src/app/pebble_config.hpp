#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "app/config.hpp"

namespace cobble::app {

// Pebble's config file is {"pebble": {...}}; this is where its keys become Cobble's settings.
struct PebbleTranslation {
  nlohmann::json settings = nlohmann::json::object();  // Cobble settings, for apply_json
  std::vector<std::string> warnings;                   // keys not honoured, each named with why
};

// Translates the object under "pebble". Keys are matched case-insensitively, as Go's JSON decoder
// does. Keys Cobble shares with Pebble keep their names (listenAddress, certificate, httpPort,
// domainBlocklist, keyAlgorithm, externalAccountMACKeys, profiles, ...); retryAfter {authz, order}
// becomes retryAfterAuthzSeconds / retryAfterOrderSeconds; a null managementListenAddress turns the
// management listener off. Keys Cobble does not honour (certificateValidityPeriod, unknown ones)
// are dropped with a warning naming them, never fatal, as Pebble itself ignores unknown keys.
// A value of the wrong type is left for apply_json to refuse with the key's name.
PebbleTranslation translate_pebble_config(const nlohmann::json& pebble);

// True when `file_json` is in Pebble's format (a top-level "pebble" object).
bool is_pebble_config(const nlohmann::json& file_json);

// Pebble's defaults where they differ from Cobble's, for `--pebble-compat` and a binary called
// `pebble` (docs/pebble-compat.md): state in memory and a fresh CA each start, 3 orders per page,
// 5 % of good nonces refused, authorizations reused half the time, http-01 on 5002 and tls-alpn-01
// on 5001, three validation attempts after a random 0-5 s sleep, Pebble's terms of service (which
// must be agreed to) and caaIdentities. Applied before the config file, environment and flags.
void apply_pebble_defaults(Config& config);

}  // namespace cobble::app
