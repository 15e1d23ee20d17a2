#pragma once

#include <optional>
#include <string_view>

namespace cobble::bench {

// User + system CPU seconds of this process (getrusage).
double own_cpu_seconds();
// User + system CPU seconds of process `pid` so far, from /proc/<pid>/stat; nullopt when the
// process is gone or the file unreadable.
std::optional<double> process_cpu_seconds(int pid);
// The same from the text of a /proc/<pid>/stat line (the command name may hold spaces and ')').
std::optional<double> cpu_seconds_from_stat(std::string_view stat, long ticks_per_second);

}  // namespace cobble::bench
