#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

// For tests: an SQLite VFS over the system's default one that makes chosen file operations fail on
// demand — the disk is full, or reads, writes and syncs fail — so the Store, and everything above
// it, can be seen meeting the faults a real disk has, and recovering when they go.
// Open a Store with StoreOptions::vfs = name() to use it.
namespace cobble::storage {

class FaultInjectingVfs {
 public:
  enum class Fault { none, disk_full, io_error };
  // Which operations fail (bits); disk_full applies to writes only, as on a real disk.
  enum Operations : unsigned { reads = 1, writes = 2, syncs = 4, all = 7 };

  // Registers the VFS under a name of its own (not as the default). Throws std::runtime_error
  // when SQLite has no default VFS or refuses the registration (start-up of a test, never a server).
  FaultInjectingVfs();
  // Unregisters it. Every connection opened through it must be closed first.
  ~FaultInjectingVfs();
  FaultInjectingVfs(const FaultInjectingVfs&) = delete;
  FaultInjectingVfs& operator=(const FaultInjectingVfs&) = delete;

  const std::string& name() const;
  // From now on, `operations` on the database and its WAL (not the shared-memory index) fail with
  // `fault`: SQLITE_FULL for writes when disk_full, SQLITE_IOERR_READ/WRITE/FSYNC when io_error.
  // Thread-safe.
  void inject(Fault fault, unsigned operations);
  void clear() { inject(Fault::none, 0); }
  // Operations failed so far.
  std::uint64_t failures() const;

  struct State;

 private:
  std::unique_ptr<State> state_;
};

}  // namespace cobble::storage
