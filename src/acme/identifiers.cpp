#include "acme/identifiers.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

namespace cobble::acme {
namespace {

bool looks_like_ip(std::string_view name) {
  std::string s(name);
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

std::string label_problem(std::string_view label) {
  if (label.empty()) return "it has an empty label";
  if (label.size() > 63) return "a label is longer than 63 characters";
  for (char c : label) {
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) ||
          c == '-')) {
      return std::string("it contains the character '") + c + "'";
    }
  }
  if (label.front() == '-' || label.back() == '-') return "a label starts or ends with '-'";
  return "";
}

}  // namespace

std::expected<std::string, std::string> canonical_ip(std::string_view text) {
  if (text.starts_with("*.")) return std::unexpected(std::string("an IP address cannot be a wildcard"));
  std::string s(text);
  unsigned char buf[16];
  char out[INET6_ADDRSTRLEN];
  if (inet_pton(AF_INET, s.c_str(), buf) == 1) {
    inet_ntop(AF_INET, buf, out, sizeof out);
    return std::string(out);
  }
  if (s.find('%') != std::string::npos) return std::unexpected(std::string("a zone index is not allowed"));
  if (inet_pton(AF_INET6, s.c_str(), buf) != 1) {
    return std::unexpected(std::string("it is not an IPv4 or IPv6 address"));
  }
  static constexpr unsigned char kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::equal(std::begin(kMappedPrefix), std::end(kMappedPrefix), buf)) {
    return std::unexpected(std::string("an IPv4-mapped IPv6 address; ask for the IPv4 address itself"));
  }
  // inet_ntop writes RFC 5952 text: lower case, longest zero run compressed.
  inet_ntop(AF_INET6, buf, out, sizeof out);
  return std::string(out);
}

std::string reverse_dns_name(std::string_view canonical) {
  std::string s(canonical);
  unsigned char buf[16];
  if (inet_pton(AF_INET, s.c_str(), buf) == 1) {
    return std::to_string(buf[3]) + "." + std::to_string(buf[2]) + "." + std::to_string(buf[1]) + "." +
           std::to_string(buf[0]) + ".in-addr.arpa";
  }
  if (inet_pton(AF_INET6, s.c_str(), buf) != 1) return "";
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 15; i >= 0; --i) {
    out += kHex[buf[i] & 0xf];
    out += '.';
    out += kHex[buf[i] >> 4];
    out += '.';
  }
  return out + "ip6.arpa";
}

std::string dns_name_problem(std::string_view name) {
  if (name.empty()) return "the name is empty";
  if (name.size() > 253) return "the name is longer than 253 characters";
  if (name.back() == '.') return "the name ends with a dot";
  if (looks_like_ip(name))
    return "an IP address is not a DNS name; ask for it as an \"ip\" identifier (RFC 8738)";
  std::string_view rest = name;
  if (rest.starts_with("*.")) rest.remove_prefix(2);
  if (rest.find('*') != std::string_view::npos)
    return "only a single leading \"*.\" wildcard label is allowed";
  int labels = 0;
  while (true) {
    auto dot = rest.find('.');
    auto label = rest.substr(0, dot);
    if (auto why = label_problem(label); !why.empty()) return why;
    ++labels;
    if (dot == std::string_view::npos) break;
    rest.remove_prefix(dot + 1);
  }
  if (labels < 2) return "the name has only one label";
  return "";
}

Result<std::vector<Identifier>> decode_identifiers(const nlohmann::json& identifiers, std::size_t max_count) {
  if (!identifiers.is_array() || identifiers.empty()) {
    return fail(Problem::malformed("\"identifiers\" must be a non-empty array"));
  }
  if (identifiers.size() > max_count) {
    return fail(Problem::make(ProblemType::rejected_identifier,
                              "An order may name at most " + std::to_string(max_count) + " identifiers"));
  }
  std::vector<Identifier> out;
  std::vector<Problem> rejected;
  for (const auto& item : identifiers) {
    if (!item.is_object() || !item.contains("type") || !item.contains("value") || !item["type"].is_string() ||
        !item["value"].is_string()) {
      return fail(Problem::malformed("Each identifier must be an object with string \"type\" and \"value\""));
    }
    Identifier id{item["type"].get<std::string>(), item["value"].get<std::string>()};
    if (id.type != "dns" && id.type != "ip") {
      auto p = Problem::make(
          ProblemType::unsupported_identifier,
          "Cobble issues for \"dns\" and \"ip\" identifiers; \"" + id.type + "\" is not supported");
      p.identifier = id;
      return fail(p);
    }
    if (id.type == "ip") {
      // RFC 8738 §3: the value is the address's text form. Other spellings inet_pton accepts are
      // normalised (as Pebble does) rather than refused, so the order shows the canonical form.
      auto canonical = canonical_ip(id.value);
      if (!canonical) {
        auto p = Problem::make(ProblemType::rejected_identifier,
                               "Invalid IP address \"" + id.value + "\": " + canonical.error());
        p.identifier = id;
        rejected.push_back(std::move(p));
        continue;
      }
      id.value = std::move(*canonical);
      if (std::find(out.begin(), out.end(), id) == out.end()) out.push_back(std::move(id));
      continue;
    }
    std::transform(id.value.begin(), id.value.end(), id.value.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (auto why = dns_name_problem(id.value); !why.empty()) {
      auto p =
          Problem::make(ProblemType::rejected_identifier, "Invalid DNS name \"" + id.value + "\": " + why);
      p.identifier = id;
      rejected.push_back(std::move(p));
      continue;
    }
    if (std::find(out.begin(), out.end(), id) == out.end()) out.push_back(std::move(id));
  }
  if (!rejected.empty()) {
    std::string detail = rejected.size() == 1 ? rejected.front().detail
                                              : "Cannot issue for " + std::to_string(rejected.size()) +
                                                    " of the identifiers (see subproblems)";
    auto p = Problem::make(ProblemType::rejected_identifier, detail);
    p.subproblems = std::move(rejected);
    return fail(p);
  }
  return out;
}

}  // namespace cobble::acme
