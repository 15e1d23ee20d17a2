#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace cobble::challsrv {

// Lower-cases `host` and drops one trailing dot, so "Example.COM." and "example.com" are one key.
std::string normalize_host(std::string_view host);

struct CaaPolicy {
  std::string tag;
  std::string value;
};

// What the servers saw, in pebble-challtestsrv's history vocabulary.
struct HttpEvent {
  std::string url;   // request target, path and query
  std::string host;  // Host header as sent
  bool https = false;
  std::string server_name;
  std::string user_agent;
};
struct DnsEvent {
  std::string name;  // question name as received, with trailing dot
  std::uint16_t qtype = 0;
  std::uint16_t qclass = 0;
  std::string user_agent;
};
struct TlsAlpnEvent {
  std::string server_name;
  std::vector<std::string> supported_protos;
};

enum class EventType { http, dns, tlsalpn };
// Record sets held as lists of strings: A and AAAA addresses, TXT values.
enum class RecordSet { a, aaaa, txt };

// Everything the responders serve and everything they saw. All members are thread-safe: the
// management API writes while the responders read on any io_context thread. Host arguments are
// normalized (normalize_host) on the way in and on lookup; tokens and paths are exact.
class State {
 public:
  // "" disables the default answer.
  void set_default_ipv4(std::string ip);
  void set_default_ipv6(std::string ip);
  std::string default_ipv4() const;
  std::string default_ipv6() const;

  // Appends to the host's set (pebble-challtestsrv appends on add-a and set-txt alike).
  void add_records(RecordSet set, std::string_view host, const std::vector<std::string>& values);
  void clear_records(RecordSet set, std::string_view host);
  // Empty when the host has none of that set (defaults are the DNS responder's business).
  std::vector<std::string> records(RecordSet set, std::string_view host) const;

  void add_caa(std::string_view host, const std::vector<CaaPolicy>& policies);
  void clear_caa(std::string_view host);
  std::vector<CaaPolicy> caa(std::string_view host) const;

  // Stored normalized with a trailing dot, ready to encode.
  void set_cname(std::string_view host, std::string_view target);
  void clear_cname(std::string_view host);
  std::optional<std::string> cname(std::string_view host) const;

  void set_servfail(std::string_view host);
  void clear_servfail(std::string_view host);
  bool servfail(std::string_view host) const;

  // A Cobble extension (Pebble's responder cannot say NXDOMAIN): these names do not exist.
  void set_nxdomain(std::string_view host);
  void clear_nxdomain(std::string_view host);
  bool nxdomain(std::string_view host) const;

  void add_http01(std::string token, std::string key_authorization);
  void del_http01(const std::string& token);
  std::optional<std::string> http01(const std::string& token) const;

  // A Cobble extension for multi-perspective validation: http-01 requests from these source
  // addresses get a wrong key authorization (one perspective sees a different answer).
  void set_source_mismatch(std::string address);
  void clear_source_mismatch(const std::string& address);
  bool source_mismatched(const std::string& address) const;

  void add_redirect(std::string path, std::string target_url);
  void del_redirect(const std::string& path);
  std::optional<std::string> redirect(const std::string& path) const;

  void add_tlsalpn01(std::string_view host, std::string key_authorization);
  void del_tlsalpn01(std::string_view host);
  std::optional<std::string> tlsalpn01(std::string_view host) const;

  // Histories are keyed by Host without port (http), question name (dns) or SNI (tlsalpn), and
  // keep the newest kMaxEventsPerHost events per host and type.
  static constexpr std::size_t kMaxEventsPerHost = 10000;
  void record(HttpEvent event);
  void record(DnsEvent event);
  void record(TlsAlpnEvent event);
  std::vector<HttpEvent> http_history(std::string_view host) const;
  std::vector<DnsEvent> dns_history(std::string_view host) const;
  std::vector<TlsAlpnEvent> tlsalpn_history(std::string_view host) const;
  void clear_history(std::string_view host, EventType type);

 private:
  using StringLists = std::map<std::string, std::vector<std::string>, std::less<>>;
  StringLists& lists(RecordSet set);
  const StringLists& lists(RecordSet set) const;

  mutable std::shared_mutex mutex_;
  std::string default_ipv4_;
  std::string default_ipv6_;
  StringLists a_;
  StringLists aaaa_;
  StringLists txt_;
  std::map<std::string, std::vector<CaaPolicy>, std::less<>> caa_;
  std::map<std::string, std::string, std::less<>> cname_;
  std::set<std::string, std::less<>> servfail_;
  std::set<std::string, std::less<>> nxdomain_;
  std::map<std::string, std::string> http01_;
  std::map<std::string, std::string> redirects_;
  std::set<std::string, std::less<>> mismatched_sources_;
  std::map<std::string, std::string, std::less<>> tlsalpn01_;
  std::map<std::string, std::vector<HttpEvent>, std::less<>> http_history_;
  std::map<std::string, std::vector<DnsEvent>, std::less<>> dns_history_;
  std::map<std::string, std::vector<TlsAlpnEvent>, std::less<>> tlsalpn_history_;
};

}  // namespace cobble::challsrv
