#pragma once

#include <nlohmann/json.hpp>

#include "app/config.hpp"
#include "common/result.hpp"
#include "validation/perspectives.hpp"

namespace cobble::app {

// The remote perspectives and their quorum from configuration: `vaRemotePerspectives`, a list of
// {"name", "rir", "sourceAddress"} (name required, unique; sourceAddress an IP address), with
// `vaRemoteQuorum` (0: all must corroborate); when the list is empty, `vaPerspectives` − 1 unnamed
// remotes ("remote-1", ...) that must all pass (Pebble's three attempts). With named remotes,
// vaPerspectives is 1 or their count + 1. invalid_argument naming the entry and key for anything
// else.
common::Result<validation::Corroboration> corroboration_from(const Config& config);

// Checks the `vaRemotePerspectives` setting alone (config.cpp's per-setting check).
common::Result<void> check_remote_perspectives(const nlohmann::json& list);

// Perspectives per validation: the primary and every remote (what connection limits budget for).
std::size_t perspective_count(const Config& config);

}  // namespace cobble::app
