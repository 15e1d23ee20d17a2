#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// DNS message wire format (RFC 1035 §4), just what a mock authoritative server needs: read one
// question, write a response. No I/O, no state.
namespace cobble::challsrv::dns {

inline constexpr std::uint16_t kTypeA = 1;
inline constexpr std::uint16_t kTypeCname = 5;
inline constexpr std::uint16_t kTypeSoa = 6;
inline constexpr std::uint16_t kTypeTxt = 16;
inline constexpr std::uint16_t kTypeAaaa = 28;
inline constexpr std::uint16_t kTypeOpt = 41;
inline constexpr std::uint16_t kTypeCaa = 257;
inline constexpr std::uint16_t kClassIn = 1;
// RFC 1035 §4.2.1: the UDP payload limit without EDNS.
inline constexpr std::size_t kClassicUdpSize = 512;

enum class Rcode : std::uint8_t { noerror = 0, formerr = 1, servfail = 2, nxdomain = 3, notimp = 4 };

struct Query {
  std::uint16_t id = 0;
  std::uint16_t flags = 0;  // as received; the response copies RD and the opcode
  std::string name;         // dotted, case preserved, always ending in "."
  std::uint16_t qtype = 0;
  std::uint16_t qclass = 0;
  bool edns = false;              // an OPT record was present (RFC 6891)
  std::uint16_t udp_payload = 0;  // its advertised size, 0 without EDNS
};

struct ParsedQuery {
  Query query;
  // noerror when `query` is complete; formerr / notimp when only id and flags are (answer with
  // that rcode and no question).
  Rcode error = Rcode::noerror;
};

// Returns nullopt for input that is not worth answering: shorter than a header, or a response
// (QR set). RFC 1035 §4.1.4 compression pointers in the question name are followed.
std::optional<ParsedQuery> parse_query(std::string_view wire);

struct Record {
  std::string name;  // dotted owner name
  std::uint16_t type = 0;
  std::uint32_t ttl = 0;
  std::string rdata;  // already encoded
};

struct Response {
  Rcode rcode = Rcode::noerror;
  std::vector<Record> answers;
  std::vector<Record> authority;
};

// Encodes a response to `query` with AA and RA set, echoing the question (when parse succeeded)
// and adding an OPT record when the query had one. If the message would exceed `max_size` the
// records are dropped and TC is set (RFC 2181 §9), so the client retries over TCP.
std::string encode_response(const ParsedQuery& query, const Response& response, std::size_t max_size);

// Uncompressed wire name; nullopt when a label is empty or over 63 octets or the name over 255.
std::optional<std::string> encode_name(std::string_view dotted);

// RDATA builders; nullopt when the text is not an address of that family.
std::optional<std::string> rdata_a(std::string_view ipv4);
std::optional<std::string> rdata_aaaa(std::string_view ipv6);
// RFC 1035 §3.3.14: one RR may hold several <character-string>s of up to 255 octets each.
std::string rdata_txt(std::string_view value);
// RFC 8659 §4.1: flags, tag length, tag, value.
std::string rdata_caa(std::uint8_t flags, std::string_view tag, std::string_view value);
std::string rdata_name(std::string_view dotted);
std::string rdata_soa(std::string_view mname, std::string_view rname, std::uint32_t serial,
                      std::uint32_t refresh, std::uint32_t retry, std::uint32_t expire,
                      std::uint32_t minimum);

}  // namespace cobble::challsrv::dns
