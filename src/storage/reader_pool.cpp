#include "storage/reader_pool.hpp"

namespace cobble::storage {

Result<sql::Cursor> Connection::statement(const std::string& sql) {
  auto found = statements.find(sql);
  if (found == statements.end()) {
    auto prepared = sql::Statement::prepare(db.handle(), sql);
    if (!prepared) return std::unexpected(prepared.error());
    found = statements.emplace(sql, std::move(*prepared)).first;
  }
  return sql::Cursor(found->second);
}

Result<void> ReaderPool::open(const std::string& path, int count, const std::string& vfs) {
  std::vector<std::unique_ptr<Connection>> opened;  // all or none join the pool
  for (int i = 0; i < count; ++i) {
    auto db = sql::Database::open(path, vfs);
    if (!db) return std::unexpected(db.error());
    sqlite3_busy_timeout(db->handle(), 5000);
    // These connections only read; a bug that made one write would fail loudly, not race the writer.
    if (auto set = db->exec("PRAGMA query_only = ON"); !set) return set;
    opened.push_back(std::make_unique<Connection>(Connection{std::move(*db), {}}));
  }
  std::lock_guard lock(mu_);
  for (auto& c : opened) {
    idle_.push_back(c.get());
    all_.push_back(std::move(c));
  }
  return {};
}

ReaderPool::Lease ReaderPool::acquire() {
  std::unique_lock lock(mu_);
  if (all_.empty()) return Lease(this, nullptr);
  returned_.wait(lock, [this] { return !idle_.empty(); });
  Connection* connection = idle_.back();
  idle_.pop_back();
  return Lease(this, connection);
}

void ReaderPool::give_back(Connection* connection) {
  {
    std::lock_guard lock(mu_);
    idle_.push_back(connection);
  }
  returned_.notify_one();
}

}  // namespace cobble::storage
