#include "storage/store.hpp"

#include "storage/pg.hpp"
#include "storage/pg_store.hpp"
#include "storage/sqlite_store.hpp"

namespace cobble::storage {

bool is_postgresql_location(const std::string& location) {
  return location.starts_with("postgresql://") || location.starts_with("postgres://");
}

std::string printable_location(const std::string& location) {
  return is_postgresql_location(location) ? pg::redact(location) : location;
}

Result<std::unique_ptr<Store>> Store::open(const std::string& location, const StoreOptions& options) {
  if (is_postgresql_location(location)) return PgStore::open(location, options);
  return SqliteStore::open(location, options);
}

}  // namespace cobble::storage
