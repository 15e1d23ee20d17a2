#include "app/dns_server.hpp"

#include <arpa/inet.h>
#include <netdb.h>

#include <memory>
#include <thread>

namespace cobble::app {
namespace {

bool is_ip_literal(const std::string& host) {
  unsigned char buffer[16];
  return inet_pton(AF_INET, host.c_str(), buffer) == 1 || inet_pton(AF_INET6, host.c_str(), buffer) == 1;
}

// An address the system resolver gives for `host`, as text (IPv4 preferred: test DNS servers
// often listen on 0.0.0.0 or 127.0.0.1 only, while "localhost" lists ::1 first); "" when there
// is none (yet).
std::string system_lookup(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* raw = nullptr;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &raw) != 0 || raw == nullptr) return "";
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> found(raw, &freeaddrinfo);
  const addrinfo* chosen = found.get();
  for (const addrinfo* each = found.get(); each != nullptr; each = each->ai_next) {
    if (each->ai_family == AF_INET) {
      chosen = each;
      break;
    }
  }
  char text[INET6_ADDRSTRLEN] = {};
  const void* address =
      chosen->ai_family == AF_INET6
          ? static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(chosen->ai_addr)->sin6_addr)
          : static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(chosen->ai_addr)->sin_addr);
  if (inet_ntop(chosen->ai_family, address, text, sizeof text) == nullptr) return "";
  return chosen->ai_family == AF_INET6 ? "[" + std::string(text) + "]" : std::string(text);
}

common::Result<std::string> resolve_entry(const std::string& entry,
                                          std::chrono::steady_clock::time_point deadline) {
  // "[v6]:port" and bare IPv6 addresses (two colons or more) are addresses already.
  if (entry.starts_with('[') || entry.find(':') != entry.rfind(':')) return entry;
  auto colon = entry.find(':');
  std::string host = entry.substr(0, colon);
  std::string port = colon == std::string::npos ? "" : entry.substr(colon + 1);
  if (colon != std::string::npos &&
      (port.empty() || port.find_first_not_of("0123456789") != std::string::npos)) {
    return common::fail(std::errc::invalid_argument,
                        "DNS server \"" + entry + "\": the port is not a number");
  }
  if (host.empty() || is_ip_literal(host)) return entry;
  while (true) {
    if (auto address = system_lookup(host); !address.empty())
      return port.empty() ? address : address + ":" + port;
    if (std::chrono::steady_clock::now() >= deadline) {
      return common::fail(std::errc::invalid_argument,
                          "DNS server \"" + entry + "\": the name " + host + " does not resolve");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}

}  // namespace

common::Result<std::string> dns_server_addresses(const std::string& servers,
                                                 std::chrono::milliseconds patience) {
  auto deadline = std::chrono::steady_clock::now() + patience;
  std::string resolved;
  std::size_t start = 0;
  while (start <= servers.size() && !servers.empty()) {
    auto comma = servers.find(',', start);
    auto entry = servers.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    auto address = resolve_entry(entry, deadline);
    if (!address) return address;
    resolved += (resolved.empty() ? "" : ",") + *address;
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return resolved;
}

}  // namespace cobble::app
