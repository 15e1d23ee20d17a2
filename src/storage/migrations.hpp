#pragma once

#include <string>

#include "common/result.hpp"
#include "storage/sqlite.hpp"
#include "storage/store.hpp"

namespace cobble::storage {

// Brings the database at `path` (used in messages) to latest_schema_version(), applying each
// pending migration in its own IMMEDIATE transaction, and returns the version reached.
// errc::not_supported when the stored version is newer than latest_schema_version();
// errc::invalid_argument when the file is a SQLite database that is not cobble's (tables but no
// schema_version); errc::io_error for any other failure (nothing of the failed step is kept).
common::Result<int> migrate(sql::Database& db, const std::string& path);

// The version recorded in the database: 0 when it has no schema_version table yet.
common::Result<int> read_schema_version(sql::Database& db);

}  // namespace cobble::storage
