#include "challsrv/state.hpp"

#include <algorithm>
#include <mutex>

#include "common/text.hpp"

namespace cobble::challsrv {
namespace {

template <class Event>
void append_capped(std::map<std::string, std::vector<Event>, std::less<>>& history, std::string key,
                   Event event) {
  auto& events = history[std::move(key)];
  if (events.size() >= State::kMaxEventsPerHost) events.erase(events.begin());
  events.push_back(std::move(event));
}

template <class Map>
auto find_or_empty(const Map& map, std::string_view key) {
  auto it = map.find(key);
  return it == map.end() ? typename Map::mapped_type{} : it->second;
}

// "host:port" or "[v6]:port" → host; a bare v6 literal stays whole.
std::string_view strip_port(std::string_view host) {
  if (host.starts_with('[')) {
    auto close = host.find(']');
    return close == std::string_view::npos ? host : host.substr(1, close - 1);
  }
  auto colon = host.rfind(':');
  if (colon != std::string_view::npos && host.find(':') == colon) return host.substr(0, colon);
  return host;
}

}  // namespace

std::string normalize_host(std::string_view host) {
  if (host.ends_with('.')) host.remove_suffix(1);
  return common::ascii_lower(host);
}

void State::set_default_ipv4(std::string ip) {
  std::unique_lock lock(mutex_);
  default_ipv4_ = std::move(ip);
}

void State::set_default_ipv6(std::string ip) {
  std::unique_lock lock(mutex_);
  default_ipv6_ = std::move(ip);
}

std::string State::default_ipv4() const {
  std::shared_lock lock(mutex_);
  return default_ipv4_;
}

std::string State::default_ipv6() const {
  std::shared_lock lock(mutex_);
  return default_ipv6_;
}

State::StringLists& State::lists(RecordSet set) {
  switch (set) {
    case RecordSet::a:
      return a_;
    case RecordSet::aaaa:
      return aaaa_;
    case RecordSet::txt:
      break;
  }
  return txt_;
}

const State::StringLists& State::lists(RecordSet set) const { return const_cast<State*>(this)->lists(set); }

void State::add_records(RecordSet set, std::string_view host, const std::vector<std::string>& values) {
  std::unique_lock lock(mutex_);
  auto& list = lists(set)[normalize_host(host)];
  list.insert(list.end(), values.begin(), values.end());
}

void State::clear_records(RecordSet set, std::string_view host) {
  std::unique_lock lock(mutex_);
  lists(set).erase(normalize_host(host));
}

std::vector<std::string> State::records(RecordSet set, std::string_view host) const {
  std::shared_lock lock(mutex_);
  return find_or_empty(lists(set), normalize_host(host));
}

void State::add_caa(std::string_view host, const std::vector<CaaPolicy>& policies) {
  std::unique_lock lock(mutex_);
  auto& list = caa_[normalize_host(host)];
  list.insert(list.end(), policies.begin(), policies.end());
}

void State::clear_caa(std::string_view host) {
  std::unique_lock lock(mutex_);
  caa_.erase(normalize_host(host));
}

std::vector<CaaPolicy> State::caa(std::string_view host) const {
  std::shared_lock lock(mutex_);
  return find_or_empty(caa_, normalize_host(host));
}

void State::set_cname(std::string_view host, std::string_view target) {
  std::unique_lock lock(mutex_);
  cname_[normalize_host(host)] = normalize_host(target) + ".";
}

void State::clear_cname(std::string_view host) {
  std::unique_lock lock(mutex_);
  cname_.erase(normalize_host(host));
}

std::optional<std::string> State::cname(std::string_view host) const {
  std::shared_lock lock(mutex_);
  auto it = cname_.find(normalize_host(host));
  if (it == cname_.end()) return std::nullopt;
  return it->second;
}

void State::set_servfail(std::string_view host) {
  std::unique_lock lock(mutex_);
  servfail_.insert(normalize_host(host));
}

void State::clear_servfail(std::string_view host) {
  std::unique_lock lock(mutex_);
  servfail_.erase(normalize_host(host));
}

bool State::servfail(std::string_view host) const {
  std::shared_lock lock(mutex_);
  return servfail_.contains(normalize_host(host));
}

void State::set_source_mismatch(std::string address) {
  std::unique_lock lock(mutex_);
  mismatched_sources_.insert(std::move(address));
}

void State::clear_source_mismatch(const std::string& address) {
  std::unique_lock lock(mutex_);
  mismatched_sources_.erase(address);
}

bool State::source_mismatched(const std::string& address) const {
  std::shared_lock lock(mutex_);
  return mismatched_sources_.contains(address);
}

void State::set_nxdomain(std::string_view host) {
  std::unique_lock lock(mutex_);
  nxdomain_.insert(normalize_host(host));
}

void State::clear_nxdomain(std::string_view host) {
  std::unique_lock lock(mutex_);
  nxdomain_.erase(normalize_host(host));
}

bool State::nxdomain(std::string_view host) const {
  std::shared_lock lock(mutex_);
  return nxdomain_.contains(normalize_host(host));
}

void State::add_http01(std::string token, std::string key_authorization) {
  std::unique_lock lock(mutex_);
  http01_[std::move(token)] = std::move(key_authorization);
}

void State::del_http01(const std::string& token) {
  std::unique_lock lock(mutex_);
  http01_.erase(token);
}

std::optional<std::string> State::http01(const std::string& token) const {
  std::shared_lock lock(mutex_);
  auto it = http01_.find(token);
  if (it == http01_.end()) return std::nullopt;
  return it->second;
}

void State::add_redirect(std::string path, std::string target_url) {
  std::unique_lock lock(mutex_);
  redirects_[std::move(path)] = std::move(target_url);
}

void State::del_redirect(const std::string& path) {
  std::unique_lock lock(mutex_);
  redirects_.erase(path);
}

std::optional<std::string> State::redirect(const std::string& path) const {
  std::shared_lock lock(mutex_);
  auto it = redirects_.find(path);
  if (it == redirects_.end()) return std::nullopt;
  return it->second;
}

void State::add_tlsalpn01(std::string_view host, std::string key_authorization) {
  std::unique_lock lock(mutex_);
  tlsalpn01_[normalize_host(host)] = std::move(key_authorization);
}

void State::del_tlsalpn01(std::string_view host) {
  std::unique_lock lock(mutex_);
  tlsalpn01_.erase(normalize_host(host));
}

std::optional<std::string> State::tlsalpn01(std::string_view host) const {
  std::shared_lock lock(mutex_);
  auto it = tlsalpn01_.find(normalize_host(host));
  if (it == tlsalpn01_.end()) return std::nullopt;
  return it->second;
}

void State::record(HttpEvent event) {
  auto key = normalize_host(strip_port(event.host));
  std::unique_lock lock(mutex_);
  append_capped(http_history_, std::move(key), std::move(event));
}

void State::record(DnsEvent event) {
  auto key = normalize_host(event.name);
  std::unique_lock lock(mutex_);
  append_capped(dns_history_, std::move(key), std::move(event));
}

void State::record(TlsAlpnEvent event) {
  auto key = normalize_host(event.server_name);
  std::unique_lock lock(mutex_);
  append_capped(tlsalpn_history_, std::move(key), std::move(event));
}

std::vector<HttpEvent> State::http_history(std::string_view host) const {
  std::shared_lock lock(mutex_);
  return find_or_empty(http_history_, normalize_host(host));
}

std::vector<DnsEvent> State::dns_history(std::string_view host) const {
  std::shared_lock lock(mutex_);
  return find_or_empty(dns_history_, normalize_host(host));
}

std::vector<TlsAlpnEvent> State::tlsalpn_history(std::string_view host) const {
  std::shared_lock lock(mutex_);
  return find_or_empty(tlsalpn_history_, normalize_host(host));
}

void State::clear_history(std::string_view host, EventType type) {
  auto key = normalize_host(host);
  std::unique_lock lock(mutex_);
  switch (type) {
    case EventType::http:
      http_history_.erase(key);
      break;
    case EventType::dns:
      dns_history_.erase(key);
      break;
    case EventType::tlsalpn:
      tlsalpn_history_.erase(key);
      break;
  }
}

}  // namespace cobble::challsrv
