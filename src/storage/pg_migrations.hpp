#pragma once

#include "common/result.hpp"
#include "storage/pg.hpp"

namespace cobble::storage::pg {

// Brings the database behind `c` (its current schema, normally "public") to
// latest_schema_version(), one migration per transaction, and returns the version reached.
// Instances starting together take turns under an advisory lock, so each step runs once.
// errc::not_supported when the stored version is newer than this binary knows;
// errc::invalid_argument when the schema holds tables but no schema_version.
common::Result<int> migrate(Connection& c);

}  // namespace cobble::storage::pg
