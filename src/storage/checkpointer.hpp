#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/result.hpp"
#include "storage/sqlite.hpp"

namespace cobble::storage {

// Copies the WAL back into the database file on its own thread and connection, so requests
// rarely wait for it. With SQLite's automatic checkpoints, the commit that crosses 1,000 WAL pages
// does the whole copy (and, with synchronous=NORMAL, its fsyncs) while holding the Store's one
// lock: at 32 workers that was the p99 of every request (28 ms against 18 ms; bench/README.md).
//
// Every `period`, a PASSIVE checkpoint copies what the WAL holds without blocking the writer. Under
// steady writes that never catches up completely, and SQLite only rewinds the WAL after a
// checkpoint that copied everything, so the WAL would grow without end. So once the WAL holds
// `rewind_frames` or more, a second checkpoint runs holding `writer_lock` (the Store's): it copies
// only the frames written since the first, completes, and the next commit starts the WAL over.
class Checkpointer {
 public:
  // Opens a second connection to `path` (through SQLite VFS `vfs`, "" = the default) and starts
  // the thread. `writer_lock` must outlive it.
  static common::Result<std::unique_ptr<Checkpointer>> start(const std::string& path, std::mutex& writer_lock,
                                                             std::chrono::milliseconds period,
                                                             int rewind_frames = 1000,
                                                             const std::string& vfs = "");
  ~Checkpointer();  // stops the thread; a last checkpoint happens when SQLite closes the file
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

 private:
  Checkpointer(sql::Database db, std::mutex& writer_lock, std::chrono::milliseconds period,
               int rewind_frames);
  void loop();
  // One PASSIVE checkpoint; the WAL's size in frames afterwards (0 when it failed or was busy).
  int checkpoint();

  sql::Database db_;
  std::mutex& writer_lock_;
  std::chrono::milliseconds period_;
  int rewind_frames_;
  bool warned_ = false;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace cobble::storage
