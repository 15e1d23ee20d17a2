#pragma once

// A tiny authoritative-looking DNS responder for tests: UDP on 127.0.0.1 (ephemeral port), its own
// io_context thread. Answers A, AAAA, TXT and CAA from a table set up before start(); SERVFAIL for
// names in `servfail`, silence for names in `silent`, NXDOMAIN for unknown names, NOERROR with no
// answers for known names without records of the asked type. Wire code is deliberately minimal:
// one question, answers that point back at it (0xC00C), no additional records.

#include <algorithm>
#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/udp.hpp>
#include <cctype>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace cobble::test {

class FakeDns {
 public:
  struct Caa {
    std::uint8_t flags = 0;
    std::string tag;
    std::string value;
  };
  struct Zone {
    std::vector<boost::asio::ip::address_v4> a;
    std::vector<boost::asio::ip::address_v6> aaaa;
    std::vector<std::vector<std::string>> txt;  // each record: its character-strings
    std::vector<Caa> caa;
  };

  // Names are matched case-insensitively, without a trailing dot. Fill these before start().
  std::map<std::string, Zone> zones;
  std::set<std::string> servfail;
  std::set<std::string> refused;
  std::set<std::string> silent;

  FakeDns() : socket_(io_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {}
  ~FakeDns() {
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }
  FakeDns(const FakeDns&) = delete;
  FakeDns& operator=(const FakeDns&) = delete;

  void start() {
    receive();
    thread_ = std::thread([this] { io_.run(); });
  }

  // "127.0.0.1:<port>", the form Resolver::Options::server takes.
  std::string server() const { return "127.0.0.1:" + std::to_string(socket_.local_endpoint().port()); }

 private:
  static constexpr std::uint16_t kA = 1, kTxt = 16, kAaaa = 28, kCaa = 257;
  static constexpr std::uint8_t kNoError = 0, kServFail = 2, kNxDomain = 3, kRefused = 5;

  void receive() {
    socket_.async_receive_from(
        boost::asio::buffer(buffer_), peer_, [this](boost::system::error_code ec, std::size_t n) {
          if (ec) return;
          std::vector<std::uint8_t> reply;
          if (answer(std::vector<std::uint8_t>(buffer_.begin(), buffer_.begin() + n), reply)) {
            boost::system::error_code ignored;
            socket_.send_to(boost::asio::buffer(reply), peer_, 0, ignored);
          }
          receive();
        });
  }

  static void put16(std::vector<std::uint8_t>& out, std::uint16_t v) {
    out.push_back(static_cast<std::uint8_t>(v >> 8));
    out.push_back(static_cast<std::uint8_t>(v & 0xff));
  }

  static void put_record(std::vector<std::uint8_t>& out, std::uint16_t type,
                         const std::vector<std::uint8_t>& rdata) {
    put16(out, 0xC00C);  // the name in the question
    put16(out, type);
    put16(out, 1);  // IN
    put16(out, 0);
    put16(out, 60);  // TTL
    put16(out, static_cast<std::uint16_t>(rdata.size()));
    out.insert(out.end(), rdata.begin(), rdata.end());
  }

  // Returns false when the query is malformed or the name is to stay silent.
  bool answer(const std::vector<std::uint8_t>& q, std::vector<std::uint8_t>& out) const {
    if (q.size() < 12) return false;
    std::size_t pos = 12;
    std::string name;
    while (pos < q.size() && q[pos] != 0) {
      const std::size_t len = q[pos++];
      if (pos + len > q.size()) return false;
      if (!name.empty()) name += '.';
      for (std::size_t i = 0; i < len; ++i) name += static_cast<char>(std::tolower(q[pos + i]));
      pos += len;
    }
    if (pos + 5 > q.size()) return false;
    const std::uint16_t qtype = static_cast<std::uint16_t>(q[pos + 1] << 8 | q[pos + 2]);
    const std::size_t question_end = pos + 5;
    if (silent.contains(name)) return false;

    std::vector<std::vector<std::uint8_t>> rdatas;
    std::uint8_t rcode = kNoError;
    auto zone = zones.find(name);
    if (servfail.contains(name)) {
      rcode = kServFail;
    } else if (refused.contains(name)) {
      rcode = kRefused;
    } else if (zone == zones.end()) {
      rcode = kNxDomain;
    } else if (qtype == kA) {
      for (const auto& a : zone->second.a) {
        const auto b = a.to_bytes();
        rdatas.emplace_back(b.begin(), b.end());
      }
    } else if (qtype == kAaaa) {
      for (const auto& a : zone->second.aaaa) {
        const auto b = a.to_bytes();
        rdatas.emplace_back(b.begin(), b.end());
      }
    } else if (qtype == kTxt) {
      for (const auto& record : zone->second.txt) {
        std::vector<std::uint8_t> rdata;
        for (const auto& s : record) {
          rdata.push_back(static_cast<std::uint8_t>(s.size()));
          rdata.insert(rdata.end(), s.begin(), s.end());
        }
        rdatas.push_back(std::move(rdata));
      }
    } else if (qtype == kCaa) {
      for (const auto& c : zone->second.caa) {
        std::vector<std::uint8_t> rdata{c.flags, static_cast<std::uint8_t>(c.tag.size())};
        rdata.insert(rdata.end(), c.tag.begin(), c.tag.end());
        rdata.insert(rdata.end(), c.value.begin(), c.value.end());
        rdatas.push_back(std::move(rdata));
      }
    }

    out.assign(q.begin(), q.begin() + 2);                                   // id
    out.push_back(static_cast<std::uint8_t>(0x80 | (q[2] & 0x79) | 0x04));  // QR, opcode, AA, RD
    out.push_back(static_cast<std::uint8_t>(0x80 | rcode));                 // RA, rcode
    put16(out, 1);
    put16(out, static_cast<std::uint16_t>(rdatas.size()));
    put16(out, 0);
    put16(out, 0);
    out.insert(out.end(), q.begin() + 12, q.begin() + question_end);
    for (const auto& rdata : rdatas) put_record(out, qtype, rdata);
    return true;
  }

  boost::asio::io_context io_;
  boost::asio::ip::udp::socket socket_;
  boost::asio::ip::udp::endpoint peer_;
  std::array<std::uint8_t, 1500> buffer_{};
  std::thread thread_;
};

}  // namespace cobble::test
