#include "storage/checkpointer.hpp"

#include <spdlog/spdlog.h>

namespace cobble::storage {

common::Result<std::unique_ptr<Checkpointer>> Checkpointer::start(const std::string& path,
                                                                  std::mutex& writer_lock,
                                                                  std::chrono::milliseconds period,
                                                                  int rewind_frames, const std::string& vfs) {
  auto db = sql::Database::open(path, vfs);
  if (!db) return std::unexpected(db.error());
  // The writer holds its lock for a commit's few pages at most; waiting is rare and short.
  sqlite3_busy_timeout(db->handle(), 1000);
  // SQLite reads a file lazily: until this connection has seen the WAL-mode header, a checkpoint
  // on it would do nothing.
  if (auto read = db->exec("SELECT count(*) FROM sqlite_schema"); !read) return std::unexpected(read.error());
  return std::unique_ptr<Checkpointer>(new Checkpointer(std::move(*db), writer_lock, period, rewind_frames));
}

Checkpointer::Checkpointer(sql::Database db, std::mutex& writer_lock, std::chrono::milliseconds period,
                           int rewind_frames)
    : db_(std::move(db)),
      writer_lock_(writer_lock),
      period_(period),
      rewind_frames_(rewind_frames),
      thread_([this] { loop(); }) {}

Checkpointer::~Checkpointer() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

int Checkpointer::checkpoint() {
  int wal_frames = 0, copied = 0;
  int rc = sqlite3_wal_checkpoint_v2(db_.handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &wal_frames, &copied);
  // BUSY: another checkpoint (e.g. the sqlite3 shell's) is running; the next period retries.
  if (rc == SQLITE_OK) {
    warned_ = false;
    return wal_frames;
  }
  if (rc != SQLITE_BUSY && !warned_) {
    spdlog::warn("database checkpoint failed: {} (retrying every {} ms)", sqlite3_errmsg(db_.handle()),
                 period_.count());
    warned_ = true;
  }
  return 0;
}

void Checkpointer::loop() {
  std::unique_lock lock(mu_);
  while (!wake_.wait_for(lock, period_, [this] { return stopping_; })) {
    lock.unlock();
    if (checkpoint() >= rewind_frames_) {
      std::lock_guard quiet(writer_lock_);
      checkpoint();
    }
    lock.lock();
  }
}

}  // namespace cobble::storage
