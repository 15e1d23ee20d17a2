#include "challsrv/dns_wire.hpp"

#include <arpa/inet.h>

namespace cobble::challsrv::dns {
namespace {

constexpr std::size_t kHeaderSize = 12;
constexpr std::uint16_t kFlagQr = 0x8000;
constexpr std::uint16_t kFlagAa = 0x0400;
constexpr std::uint16_t kFlagTc = 0x0200;
constexpr std::uint16_t kFlagRd = 0x0100;
constexpr std::uint16_t kFlagRa = 0x0080;
constexpr std::uint16_t kOpcodeMask = 0x7800;
// What we advertise in our own OPT record: the DNS flag day 2020 recommendation.
constexpr std::uint16_t kOurUdpPayload = 1232;

class Reader {
 public:
  explicit Reader(std::string_view wire) : wire_(wire) {}
  std::size_t pos() const { return pos_; }
  bool u8(std::uint8_t& out) {
    if (pos_ + 1 > wire_.size()) return false;
    out = static_cast<std::uint8_t>(wire_[pos_++]);
    return true;
  }
  bool u16(std::uint16_t& out) {
    if (pos_ + 2 > wire_.size()) return false;
    out = static_cast<std::uint16_t>(byte(pos_) << 8 | byte(pos_ + 1));
    pos_ += 2;
    return true;
  }
  bool skip(std::size_t n) {
    if (pos_ + n > wire_.size()) return false;
    pos_ += n;
    return true;
  }
  // Reads a possibly compressed name into dotted form ending in ".".
  bool name(std::string& out) {
    out.clear();
    std::size_t at = pos_;
    bool jumped = false;
    for (int hops = 0; hops < 256; ++hops) {
      if (at >= wire_.size()) return false;
      std::uint8_t len = byte(at);
      if ((len & 0xC0) == 0xC0) {
        if (at + 1 >= wire_.size()) return false;
        if (!jumped) pos_ = at + 2;
        jumped = true;
        at = static_cast<std::size_t>((len & 0x3F) << 8 | byte(at + 1));
        continue;
      }
      if (len & 0xC0) return false;
      if (len == 0) {
        if (!jumped) pos_ = at + 1;
        if (out.empty()) out = ".";
        return out.size() <= 255;
      }
      if (at + 1 + len > wire_.size()) return false;
      auto label = wire_.substr(at + 1, len);
      if (label.find('.') != std::string_view::npos) return false;
      out.append(label).push_back('.');
      at += 1 + len;
    }
    return false;
  }

 private:
  std::uint8_t byte(std::size_t i) const { return static_cast<std::uint8_t>(wire_[i]); }
  std::string_view wire_;
  std::size_t pos_ = 0;
};

void put16(std::string& out, std::uint16_t v) {
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v & 0xFF));
}

void put32(std::string& out, std::uint32_t v) {
  put16(out, static_cast<std::uint16_t>(v >> 16));
  put16(out, static_cast<std::uint16_t>(v & 0xFFFF));
}

void put_record(std::string& out, const Record& r) {
  out += rdata_name(r.name);
  put16(out, r.type);
  put16(out, kClassIn);
  put32(out, r.ttl);
  put16(out, static_cast<std::uint16_t>(r.rdata.size()));
  out += r.rdata;
}

}  // namespace

std::optional<ParsedQuery> parse_query(std::string_view wire) {
  Reader in(wire);
  ParsedQuery parsed;
  auto& q = parsed.query;
  std::uint16_t qdcount = 0, ancount = 0, nscount = 0, arcount = 0;
  if (!in.u16(q.id) || !in.u16(q.flags) || !in.u16(qdcount) || !in.u16(ancount) || !in.u16(nscount) ||
      !in.u16(arcount))
    return std::nullopt;
  if (q.flags & kFlagQr) return std::nullopt;
  if (q.flags & kOpcodeMask) {
    parsed.error = Rcode::notimp;
    return parsed;
  }
  if (qdcount != 1 || !in.name(q.name) || !in.u16(q.qtype) || !in.u16(q.qclass)) {
    parsed.error = Rcode::formerr;
    return parsed;
  }
  // Skip answer and authority (a query has none, but be lenient), then look for OPT.
  const unsigned before_additional = unsigned{ancount} + nscount;
  for (unsigned i = 0; i < before_additional + arcount; ++i) {
    std::string owner;
    std::uint16_t type = 0, klass = 0, rdlength = 0;
    if (!in.name(owner) || !in.u16(type) || !in.u16(klass) || !in.skip(4) || !in.u16(rdlength) ||
        !in.skip(rdlength))
      break;  // a damaged additional section is not worth refusing the question for
    if (type == kTypeOpt && i >= before_additional) {
      q.edns = true;
      q.udp_payload = klass;
    }
  }
  return parsed;
}

std::string encode_response(const ParsedQuery& parsed, const Response& response, std::size_t max_size) {
  const auto& q = parsed.query;
  bool with_question = parsed.error == Rcode::noerror;
  Rcode rcode = with_question ? response.rcode : parsed.error;
  auto encode = [&](bool truncated) {
    std::string out;
    put16(out, q.id);
    std::uint16_t flags =
        kFlagQr | kFlagAa | kFlagRa | (q.flags & (kOpcodeMask | kFlagRd)) | static_cast<std::uint16_t>(rcode);
    if (truncated) flags |= kFlagTc;
    put16(out, flags);
    put16(out, with_question ? 1 : 0);
    put16(out, truncated ? 0 : static_cast<std::uint16_t>(response.answers.size()));
    put16(out, truncated ? 0 : static_cast<std::uint16_t>(response.authority.size()));
    put16(out, q.edns ? 1 : 0);
    if (with_question) {
      out += rdata_name(q.name);
      put16(out, q.qtype);
      put16(out, q.qclass);
    }
    if (!truncated) {
      for (const auto& r : response.answers) put_record(out, r);
      for (const auto& r : response.authority) put_record(out, r);
    }
    if (q.edns) {  // RFC 6891 §6.1.2: root owner, class = payload size, ttl = ext-rcode/version/flags
      out.push_back(0);
      put16(out, kTypeOpt);
      put16(out, kOurUdpPayload);
      put32(out, 0);
      put16(out, 0);
    }
    return out;
  };
  auto full = encode(false);
  if (full.size() <= max_size) return full;
  return encode(true);
}

std::optional<std::string> encode_name(std::string_view dotted) {
  if (dotted.ends_with('.')) dotted.remove_suffix(1);
  std::string out;
  while (!dotted.empty()) {
    auto dot = dotted.find('.');
    auto label = dotted.substr(0, dot);
    if (label.empty() || label.size() > 63) return std::nullopt;
    out.push_back(static_cast<char>(label.size()));
    out += label;
    dotted.remove_prefix(dot == std::string_view::npos ? dotted.size() : dot + 1);
  }
  out.push_back(0);
  if (out.size() > 255) return std::nullopt;
  return out;
}

std::optional<std::string> rdata_a(std::string_view ipv4) {
  std::string text(ipv4);
  unsigned char bytes[4];
  if (inet_pton(AF_INET, text.c_str(), bytes) != 1) return std::nullopt;
  return std::string(reinterpret_cast<const char*>(bytes), sizeof bytes);
}

std::optional<std::string> rdata_aaaa(std::string_view ipv6) {
  std::string text(ipv6);
  unsigned char bytes[16];
  if (inet_pton(AF_INET6, text.c_str(), bytes) != 1) return std::nullopt;
  return std::string(reinterpret_cast<const char*>(bytes), sizeof bytes);
}

std::string rdata_txt(std::string_view value) {
  std::string out;
  do {
    auto chunk = value.substr(0, 255);
    out.push_back(static_cast<char>(chunk.size()));
    out += chunk;
    value.remove_prefix(chunk.size());
  } while (!value.empty());
  return out;
}

std::string rdata_caa(std::uint8_t flags, std::string_view tag, std::string_view value) {
  std::string out;
  out.push_back(static_cast<char>(flags));
  out.push_back(static_cast<char>(tag.size()));
  out += tag;
  out += value;
  return out;
}

std::string rdata_name(std::string_view dotted) {
  // Names reach here from parsed queries or validated management input; a bad one degrades to root.
  return encode_name(dotted).value_or(std::string(1, '\0'));
}

std::string rdata_soa(std::string_view mname, std::string_view rname, std::uint32_t serial,
                      std::uint32_t refresh, std::uint32_t retry, std::uint32_t expire,
                      std::uint32_t minimum) {
  std::string out = rdata_name(mname) + rdata_name(rname);
  for (auto v : {serial, refresh, retry, expire, minimum}) put32(out, v);
  return out;
}

}  // namespace cobble::challsrv::dns
