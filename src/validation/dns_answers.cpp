#include "validation/dns_answers.hpp"

#include <ares.h>
#include <arpa/nameser.h>
#include <netdb.h>

#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/ip/address_v6.hpp>
#include <cstring>
#include <memory>

namespace cobble::validation::dns_answers {
namespace asio = boost::asio;

namespace {

struct HostentDeleter {
  void operator()(hostent* h) const { ares_free_hostent(h); }
};
struct AresDataDeleter {
  void operator()(void* p) const { ares_free_data(p); }
};

int length_of(std::span<const unsigned char> message) { return static_cast<int>(message.size()); }

}  // namespace

DnsError error_for(int status, std::string_view type, const std::string& name, std::string no_data_detail) {
  const std::string where = " looking up " + std::string(type) + " for " + name;
  switch (status) {
    case ARES_ENOTFOUND:
      return {DnsError::Kind::nxdomain, "NXDOMAIN" + where};
    case ARES_ENODATA:
      return {DnsError::Kind::no_data, std::move(no_data_detail)};
    case ARES_ESERVFAIL:
      return {DnsError::Kind::servfail, "SERVFAIL" + where};
    case ARES_EREFUSED:
      return {DnsError::Kind::refused, "REFUSED" + where};
    case ARES_ETIMEOUT:
    case ARES_ECONNREFUSED:
      return {DnsError::Kind::timeout, "query timed out" + where};
    default:
      return {DnsError::Kind::other, ares_strerror(status) + where};
  }
}

DnsResult<std::vector<std::string>> txt_records(std::span<const unsigned char> message,
                                                const std::string& name) {
  const std::string no_data = "No TXT records found for " + name;
  ares_txt_ext* raw = nullptr;
  const int status = ares_parse_txt_reply_ext(message.data(), length_of(message), &raw);
  std::unique_ptr<ares_txt_ext, AresDataDeleter> txt(raw);
  if (status != ARES_SUCCESS) return std::unexpected(error_for(status, "TXT", name, no_data));
  // RFC 8555 §8.4 via RFC 7208 §3.3 practice: a record's character-strings form one value.
  std::vector<std::string> records;
  for (const ares_txt_ext* chunk = txt.get(); chunk != nullptr; chunk = chunk->next) {
    if (chunk->record_start || records.empty()) records.emplace_back();
    records.back().append(reinterpret_cast<const char*>(chunk->txt), chunk->length);
  }
  if (records.empty()) return std::unexpected(error_for(ARES_ENODATA, "TXT", name, no_data));
  return records;
}

DnsResult<std::vector<CaaRecord>> caa_records(std::span<const unsigned char> message,
                                              const std::string& name) {
  const std::string no_data = "No CAA records found for " + name;
  ares_caa_reply* raw = nullptr;
  const int status = ares_parse_caa_reply(message.data(), length_of(message), &raw);
  std::unique_ptr<ares_caa_reply, AresDataDeleter> caa(raw);
  if (status != ARES_SUCCESS) return std::unexpected(error_for(status, "CAA", name, no_data));
  std::vector<CaaRecord> records;
  for (const ares_caa_reply* r = caa.get(); r != nullptr; r = r->next) {
    records.push_back(CaaRecord{r->critical,
                                std::string(reinterpret_cast<const char*>(r->property), r->plength),
                                std::string(reinterpret_cast<const char*>(r->value), r->length)});
  }
  if (records.empty()) return std::unexpected(error_for(ARES_ENODATA, "CAA", name, no_data));
  return records;
}

DnsResult<std::vector<asio::ip::address>> addresses(std::span<const unsigned char> message, bool ipv6,
                                                    const std::string& name) {
  const char* type = ipv6 ? "AAAA" : "A";
  const std::string no_data = std::string("No ") + type + " records found for " + name;
  hostent* raw = nullptr;
  int status = ipv6 ? ares_parse_aaaa_reply(message.data(), length_of(message), &raw, nullptr, nullptr)
                    : ares_parse_a_reply(message.data(), length_of(message), &raw, nullptr, nullptr);
  std::unique_ptr<hostent, HostentDeleter> host(raw);
  if (status != ARES_SUCCESS) return std::unexpected(error_for(status, type, name, no_data));
  std::vector<asio::ip::address> out;
  for (char** p = host->h_addr_list; p != nullptr && *p != nullptr; ++p) {
    if (host->h_addrtype == AF_INET6) {
      asio::ip::address_v6::bytes_type bytes;
      std::memcpy(bytes.data(), *p, bytes.size());
      out.emplace_back(asio::ip::address_v6(bytes));
    } else if (host->h_addrtype == AF_INET) {
      asio::ip::address_v4::bytes_type bytes;
      std::memcpy(bytes.data(), *p, bytes.size());
      out.emplace_back(asio::ip::address_v4(bytes));
    }
  }
  if (out.empty()) return std::unexpected(error_for(ARES_ENODATA, type, name, no_data));
  return out;
}

}  // namespace cobble::validation::dns_answers
