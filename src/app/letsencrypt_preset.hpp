#pragma once

#include <nlohmann/json.hpp>

#include "app/config.hpp"

namespace cobble::app {

// `--letsencrypt`: Let's Encrypt's production behaviour of late 2026 as settings (README "Which
// mode?"): the classic / tlsserver / shortlived profiles with their values, keyPolicy letsencrypt,
// notBefore/notAfter refused, ARI's Retry-After jittered ±20 %, order polling Retry-After 3 s,
// terms of service required, three validation perspectives, http-01 redirects to 80/443 only,
// pausing at production's rate (burst 1152, one per day) answered as Boulder answers it. Listeners,
// ports and loopback validation stay as configured, so the preset also works on a laptop.
// config/staging.json holds the same values with staging's pausing rate and public ports.
nlohmann::json letsencrypt_preset();

// Applies letsencrypt_preset() (before the config file, environment and flags).
void apply_letsencrypt_preset(Config& config);

}  // namespace cobble::app
