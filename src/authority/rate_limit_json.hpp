#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "common/gcra.hpp"
#include "common/result.hpp"

namespace cobble::authority {

// A member of `object` that must be a whole number from 1 to `most`; invalid_argument naming
// `where`.`key` otherwise (configuration and the management API word their refusals alike).
common::Result<std::int64_t> positive_member(const nlohmann::json& object, const std::string& where,
                                             const char* key, std::int64_t most);

// {"burst": N, "count": N, "periodSeconds": S}: a bucket of `burst` that refills `count` per period.
// invalid_argument naming `where` and the key for anything else.
common::Result<common::gcra::Limit> limit_from_json(const nlohmann::json& limit, const std::string& where);

// POST /rate-limits/override's body: {"key": "NewOrdersPerAccount:42", "burst", "count",
// "periodSeconds"} sets that bucket's own limit; {"key": ..., "remove": true} drops it (nullopt).
// invalid_argument saying what a good body looks like otherwise.
struct LimitOverride {
  std::string key;
  std::optional<common::gcra::Limit> limit;
};
common::Result<LimitOverride> override_from_json(const nlohmann::json& body);

// A bucket key an override may name: "<Boulder limit name>:<what it counts>".
common::Result<void> check_bucket_key(const std::string& key);

}  // namespace cobble::authority
