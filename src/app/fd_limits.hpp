#pragma once

#include <cstddef>

#include "app/config.hpp"

namespace cobble::app {

// Raises this process's soft limit on open files to its hard limit (systemd and shells start
// most services at 1,024), and returns the soft limit now in force.
std::size_t raise_open_file_limit();

// How many connections each listener takes at once, and how many from one client address.
struct ConnectionCaps {
  std::size_t acme = 0;        // each ACME listener (HTTPS, and plain HTTP when on)
  std::size_t management = 0;  // the management listener
  std::size_t per_address = 0;
};

// maxConnections / maxConnectionsPerAddress when set; otherwise shares of `open_files` that leave
// room for everything else the process opens: 128 descriptors for the database, logs, DNS and the
// CA files, and one per validation that may run at once (vaMaxConcurrent × vaPerspectives, at
// most half of what is left). Of the rest the ACME listeners share three quarters, the management
// listener gets a quarter (at most 1,024); one address may hold a quarter of a listener's (all of
// it when externalUrl or trustedProxies says a proxy is in front, since then every client has the
// proxy's address), and at least 8 of each.
ConnectionCaps connection_caps(const Config& config, std::size_t open_files);

}  // namespace cobble::app
