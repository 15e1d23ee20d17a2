#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>
#include <chrono>
#include <expected>
#include <memory>
#include <string>
#include <vector>

namespace cobble::validation {

// Why a DNS lookup failed, as a person should read it in a problem detail.
struct DnsError {
  enum class Kind { nxdomain, servfail, refused, timeout, no_data, other };
  Kind kind = Kind::other;
  std::string detail;  // e.g. "NXDOMAIN looking up TXT for _acme-challenge.example.com"
};
template <class T>
using DnsResult = std::expected<T, DnsError>;

struct CaaRecord {
  int flags = 0;
  std::string tag;    // "issue", "issuewild", "iodef", ...
  std::string value;  // raw value, e.g. "letsencrypt.org; accounturi=..."
};

// An asynchronous stub resolver: c-ares driven from the io_context (its sockets wait on Asio, its
// timeouts are steady timers); never getaddrinfo, never a blocking call. Queries go to `server`
// ("host:port"; IPv4 or [IPv6]) or, when empty, to the system's resolv.conf servers.
// One Resolver may be shared by many coroutines; all its work runs on its own strand.
class Resolver {
 public:
  struct Options {
    std::string server;                       // "" = system resolver
    std::chrono::milliseconds timeout{3000};  // per try
    int tries = 2;
  };

  // Fails (std::runtime_error) only at start-up: c-ares cannot initialise or `server` is malformed.
  Resolver(boost::asio::any_io_executor executor, Options options);
  // Lookups still pending complete with Kind::other ("Channel is being destroyed ..."); each lookup
  // holds its own reference to the channel, so this may run while they are suspended.
  ~Resolver();
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  // AAAA and A records of `name` (IPv6 first), CNAMEs followed by the server. no_data when the
  // name exists without addresses.
  boost::asio::awaitable<DnsResult<std::vector<boost::asio::ip::address>>> lookup_addresses(std::string name);
  // TXT records of `name`; a record's character-strings are concatenated (RFC 8555 §8.4).
  // no_data (not an error for callers that treat it as "no record") when there are none.
  boost::asio::awaitable<DnsResult<std::vector<std::string>>> lookup_txt(std::string name);
  boost::asio::awaitable<DnsResult<std::vector<CaaRecord>>> lookup_caa(std::string name);

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace cobble::validation
