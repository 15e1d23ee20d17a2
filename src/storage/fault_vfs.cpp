#include "storage/fault_vfs.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <stdexcept>

namespace cobble::storage {

struct FaultInjectingVfs::State {
  sqlite3_vfs vfs{};  // ours: the real one's, with xOpen and the file size replaced
  sqlite3_vfs* real = nullptr;
  std::string name;
  std::atomic<int> fault{0};  // Fault
  std::atomic<unsigned> operations{0};
  std::atomic<std::uint64_t> failures{0};

  // The error `operation` fails with now, or SQLITE_OK.
  int failure_for(unsigned operation, int io_error) {
    auto f = static_cast<Fault>(fault.load());
    if (f == Fault::none || (operations.load() & operation) == 0) return SQLITE_OK;
    if (f == Fault::disk_full && operation != writes) return SQLITE_OK;
    ++failures;
    return f == Fault::disk_full ? SQLITE_FULL : io_error;
  }
};

namespace {

using State = FaultInjectingVfs::State;

// Our file: SQLite allocates vfs.szOsFile bytes; the real VFS's file follows ours.
struct FaultyFile {
  sqlite3_file base;
  State* state;
  bool checked;  // main database or WAL: faults apply
  sqlite3_file* real() { return reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(this) + offset()); }
  static constexpr std::size_t offset() { return (sizeof(FaultyFile) + 15) & ~std::size_t{15}; }
};

FaultyFile* faulty(sqlite3_file* f) { return reinterpret_cast<FaultyFile*>(f); }
sqlite3_file* real_of(sqlite3_file* f) { return faulty(f)->real(); }

int fault_for(sqlite3_file* f, unsigned operation, int io_error) {
  auto* file = faulty(f);
  return file->checked ? file->state->failure_for(operation, io_error) : SQLITE_OK;
}

int file_close(sqlite3_file* f) { return real_of(f)->pMethods->xClose(real_of(f)); }
int file_read(sqlite3_file* f, void* buffer, int amount, sqlite3_int64 offset) {
  if (int rc = fault_for(f, FaultInjectingVfs::reads, SQLITE_IOERR_READ); rc != SQLITE_OK) return rc;
  return real_of(f)->pMethods->xRead(real_of(f), buffer, amount, offset);
}
int file_write(sqlite3_file* f, const void* buffer, int amount, sqlite3_int64 offset) {
  if (int rc = fault_for(f, FaultInjectingVfs::writes, SQLITE_IOERR_WRITE); rc != SQLITE_OK) return rc;
  return real_of(f)->pMethods->xWrite(real_of(f), buffer, amount, offset);
}
int file_truncate(sqlite3_file* f, sqlite3_int64 size) {
  if (int rc = fault_for(f, FaultInjectingVfs::writes, SQLITE_IOERR_TRUNCATE); rc != SQLITE_OK) return rc;
  return real_of(f)->pMethods->xTruncate(real_of(f), size);
}
int file_sync(sqlite3_file* f, int flags) {
  if (int rc = fault_for(f, FaultInjectingVfs::syncs, SQLITE_IOERR_FSYNC); rc != SQLITE_OK) return rc;
  return real_of(f)->pMethods->xSync(real_of(f), flags);
}
int file_size(sqlite3_file* f, sqlite3_int64* size) {
  return real_of(f)->pMethods->xFileSize(real_of(f), size);
}
int file_lock(sqlite3_file* f, int level) { return real_of(f)->pMethods->xLock(real_of(f), level); }
int file_unlock(sqlite3_file* f, int level) { return real_of(f)->pMethods->xUnlock(real_of(f), level); }
int file_check_reserved(sqlite3_file* f, int* out) {
  return real_of(f)->pMethods->xCheckReservedLock(real_of(f), out);
}
int file_control(sqlite3_file* f, int op, void* arg) {
  return real_of(f)->pMethods->xFileControl(real_of(f), op, arg);
}
int file_sector_size(sqlite3_file* f) { return real_of(f)->pMethods->xSectorSize(real_of(f)); }
int file_device(sqlite3_file* f) { return real_of(f)->pMethods->xDeviceCharacteristics(real_of(f)); }
int file_shm_map(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
  return real_of(f)->pMethods->xShmMap(real_of(f), region, size, extend, out);
}
int file_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
  return real_of(f)->pMethods->xShmLock(real_of(f), offset, n, flags);
}
void file_shm_barrier(sqlite3_file* f) { real_of(f)->pMethods->xShmBarrier(real_of(f)); }
int file_shm_unmap(sqlite3_file* f, int delete_flag) {
  return real_of(f)->pMethods->xShmUnmap(real_of(f), delete_flag);
}
int file_fetch(sqlite3_file* f, sqlite3_int64 offset, int amount, void** out) {
  // Memory-mapped reads would bypass xRead: decline them, so every read can meet a fault.
  (void)f, (void)offset, (void)amount;
  *out = nullptr;
  return SQLITE_OK;
}
int file_unfetch(sqlite3_file*, sqlite3_int64, void*) { return SQLITE_OK; }  // nothing was fetched

// One table per io_methods version: SQLite calls the shared-memory methods (v2) and xFetch (v3)
// only when the version says they exist, so ours claims exactly what the real file has.
constexpr sqlite3_io_methods methods_of_version(int version) {
  return {version,          file_close,       file_read,   file_write,   file_truncate,
          file_sync,        file_size,        file_lock,   file_unlock,  file_check_reserved,
          file_control,     file_sector_size, file_device, file_shm_map, file_shm_lock,
          file_shm_barrier, file_shm_unmap,   file_fetch,  file_unfetch};
}
constexpr sqlite3_io_methods kMethods[] = {methods_of_version(1), methods_of_version(2),
                                           methods_of_version(3)};

State* state_of(sqlite3_vfs* vfs) { return static_cast<State*>(vfs->pAppData); }
sqlite3_vfs* real_vfs(sqlite3_vfs* vfs) { return state_of(vfs)->real; }

int vfs_open(sqlite3_vfs* vfs, const char* name, sqlite3_file* f, int flags, int* out_flags) {
  auto* file = faulty(f);
  file->base.pMethods = nullptr;
  file->state = state_of(vfs);
  file->checked = (flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL)) != 0;
  file->real()->pMethods = nullptr;
  int rc = real_vfs(vfs)->xOpen(real_vfs(vfs), name, file->real(), flags, out_flags);
  // SQLite closes a file whose pMethods is set even when its open failed; the real VFS may have
  // set its own, so ours must be set too for that close to reach the real file.
  if (const auto* real = file->real()->pMethods; real != nullptr) {
    file->base.pMethods = &kMethods[std::clamp(real->iVersion, 1, 3) - 1];
  }
  return rc;
}
int vfs_delete(sqlite3_vfs* vfs, const char* name, int sync) {
  return real_vfs(vfs)->xDelete(real_vfs(vfs), name, sync);
}
int vfs_access(sqlite3_vfs* vfs, const char* name, int flags, int* out) {
  return real_vfs(vfs)->xAccess(real_vfs(vfs), name, flags, out);
}
int vfs_full_pathname(sqlite3_vfs* vfs, const char* name, int size, char* out) {
  return real_vfs(vfs)->xFullPathname(real_vfs(vfs), name, size, out);
}
void* vfs_dl_open(sqlite3_vfs* vfs, const char* name) { return real_vfs(vfs)->xDlOpen(real_vfs(vfs), name); }
void vfs_dl_error(sqlite3_vfs* vfs, int size, char* out) {
  real_vfs(vfs)->xDlError(real_vfs(vfs), size, out);
}
void (*vfs_dl_sym(sqlite3_vfs* vfs, void* handle, const char* symbol))(void) {
  return real_vfs(vfs)->xDlSym(real_vfs(vfs), handle, symbol);
}
void vfs_dl_close(sqlite3_vfs* vfs, void* handle) { real_vfs(vfs)->xDlClose(real_vfs(vfs), handle); }
int vfs_randomness(sqlite3_vfs* vfs, int size, char* out) {
  return real_vfs(vfs)->xRandomness(real_vfs(vfs), size, out);
}
int vfs_sleep(sqlite3_vfs* vfs, int micros) { return real_vfs(vfs)->xSleep(real_vfs(vfs), micros); }
int vfs_current_time(sqlite3_vfs* vfs, double* out) {
  return real_vfs(vfs)->xCurrentTime(real_vfs(vfs), out);
}
int vfs_last_error(sqlite3_vfs* vfs, int size, char* out) {
  return real_vfs(vfs)->xGetLastError(real_vfs(vfs), size, out);
}
int vfs_current_time64(sqlite3_vfs* vfs, sqlite3_int64* out) {
  return real_vfs(vfs)->xCurrentTimeInt64(real_vfs(vfs), out);
}

}  // namespace

FaultInjectingVfs::FaultInjectingVfs() : state_(std::make_unique<State>()) {
  state_->real = sqlite3_vfs_find(nullptr);
  if (state_->real == nullptr || state_->real->iVersion < 2)
    throw std::runtime_error("no default SQLite VFS");
  char name[64];
  std::snprintf(name, sizeof name, "cobble-faults-%p", static_cast<void*>(state_.get()));
  state_->name = name;
  auto& v = state_->vfs;
  v.iVersion = 2;
  v.szOsFile = static_cast<int>(FaultyFile::offset()) + state_->real->szOsFile;
  v.mxPathname = state_->real->mxPathname;
  v.zName = state_->name.c_str();
  v.pAppData = state_.get();
  v.xOpen = vfs_open;
  v.xDelete = vfs_delete;
  v.xAccess = vfs_access;
  v.xFullPathname = vfs_full_pathname;
  v.xDlOpen = vfs_dl_open;
  v.xDlError = vfs_dl_error;
  v.xDlSym = vfs_dl_sym;
  v.xDlClose = vfs_dl_close;
  v.xRandomness = vfs_randomness;
  v.xSleep = vfs_sleep;
  v.xCurrentTime = vfs_current_time;
  v.xGetLastError = vfs_last_error;
  v.xCurrentTimeInt64 = vfs_current_time64;
  if (sqlite3_vfs_register(&v, 0) != SQLITE_OK) throw std::runtime_error("cannot register the fault VFS");
}

FaultInjectingVfs::~FaultInjectingVfs() { sqlite3_vfs_unregister(&state_->vfs); }

const std::string& FaultInjectingVfs::name() const { return state_->name; }

void FaultInjectingVfs::inject(Fault fault, unsigned operations) {
  state_->operations = operations;
  state_->fault = static_cast<int>(fault);
}

std::uint64_t FaultInjectingVfs::failures() const { return state_->failures.load(); }

}  // namespace cobble::storage
