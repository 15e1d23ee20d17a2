#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <stdexcept>
#include <string>

namespace cobble::bench {

// --record FILE: one line per thing the server said it has done, written the moment the answer
// arrives (O_APPEND, no buffering), so a bench killed at any point leaves exactly what it was told:
//   account <account URL>
//   order <order URL> <status the server gave: pending | valid>
//   cert <certificate URL> <SHA-256 of the chain's bytes, hex>
// bench/crash.sh checks every line against the database after a kill -9 of the server.
class AckLog {
 public:
  explicit AckLog(const std::string& path)
      : fd_(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) {
    if (fd_ < 0) throw std::runtime_error("cannot open --record file " + path);
  }
  ~AckLog() { ::close(fd_); }
  AckLog(const AckLog&) = delete;
  AckLog& operator=(const AckLog&) = delete;

  void write(std::string line) {
    line += '\n';
    // One write() per line: appends from several workers never interleave within a line.
    if (::write(fd_, line.data(), line.size()) < 0)
      throw std::runtime_error("cannot write the --record file");
  }

 private:
  int fd_;
};

}  // namespace cobble::bench
