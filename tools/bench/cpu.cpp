#include "bench/cpu.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace cobble::bench {

double own_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

std::optional<double> cpu_seconds_from_stat(std::string_view stat, long ticks_per_second) {
  // Fields after the command name: state(3) ... utime(14) stime(15), counted from 1 (proc(5)).
  auto close = stat.rfind(')');
  if (close == std::string_view::npos || ticks_per_second <= 0) return std::nullopt;
  std::istringstream fields{std::string(stat.substr(close + 1))};
  std::string field;
  long long utime = -1, stime = -1;
  for (int index = 3; fields >> field; ++index) {
    try {
      if (index == 14) utime = std::stoll(field);
      if (index == 15) {
        stime = std::stoll(field);
        break;
      }
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  if (utime < 0 || stime < 0) return std::nullopt;
  return static_cast<double>(utime + stime) / static_cast<double>(ticks_per_second);
}

std::optional<double> process_cpu_seconds(int pid) {
  std::ifstream file("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!file || !std::getline(file, line)) return std::nullopt;
  return cpu_seconds_from_stat(line, sysconf(_SC_CLK_TCK));
}

}  // namespace cobble::bench
