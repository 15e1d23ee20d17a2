#include "app/fd_limits.hpp"

#include <sys/resource.h>

#include <algorithm>

#include "app/perspectives_config.hpp"

namespace cobble::app {

std::size_t raise_open_file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  if (limit.rlim_cur == RLIM_INFINITY) return 1 << 20;
  return static_cast<std::size_t>(limit.rlim_cur);
}

ConnectionCaps connection_caps(const Config& config, std::size_t open_files) {
  constexpr std::size_t kReserved = 128;
  constexpr std::size_t kAtLeast = 8;
  std::size_t available = open_files > kReserved + 4 * kAtLeast ? open_files - kReserved : 4 * kAtLeast;
  auto validations =
      static_cast<std::size_t>(std::max(1, config.va_max_concurrent)) * perspective_count(config);
  std::size_t connections = available - std::min(validations, available / 2);
  std::size_t acme_listeners = config.plain_listen_address.empty() ? 1 : 2;
  ConnectionCaps caps;
  caps.acme = std::max(kAtLeast, connections * 3 / 4 / acme_listeners);
  caps.management = std::clamp<std::size_t>(connections / 4, kAtLeast, 1024);
  if (config.max_connections > 0) {
    caps.acme = caps.management = static_cast<std::size_t>(config.max_connections);
  }
  // Behind a proxy (externalUrl or trustedProxies) every client has the proxy's address.
  bool behind_proxy = !config.external_url.empty() || !config.trusted_proxies.empty();
  caps.per_address = behind_proxy ? caps.acme : std::max(kAtLeast, caps.acme / 4);
  if (config.max_connections_per_address > 0) {
    caps.per_address = static_cast<std::size_t>(config.max_connections_per_address);
  }
  return caps;
}

}  // namespace cobble::app
