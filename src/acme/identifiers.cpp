#include "acme/identifiers.hpp"

#include <arpa/inet.h>
#include <idn2.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <memory>

#include "common/text.hpp"

namespace cobble::acme {
namespace {

bool looks_like_ip(std::string_view name) {
  std::string s(name);
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

struct FreeIdn2 {
  void operator()(void* p) const { std::free(p); }
};

// libidn2's IDNA2008 lookup of `text` (UTF-8 or A-labels): its ASCII form, or its error code.
std::expected<std::string, int> idna_lookup(const std::string& text) {
  std::uint8_t* raw = nullptr;
  int rc = idn2_lookup_u8(reinterpret_cast<const std::uint8_t*>(text.c_str()), &raw,
                          IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL | IDN2_ALABEL_ROUNDTRIP);
  std::unique_ptr<std::uint8_t, FreeIdn2> out(raw);
  if (rc != IDN2_OK || !out) return std::unexpected(rc);
  return std::string(reinterpret_cast<const char*>(out.get()));
}

// RFC 5890 §2.3.2.1: a label with "--" in its third and fourth characters is reserved; "xn--"
// ones are A-labels and must be the exact IDNA2008 encoding of a valid U-label (RFC 5891 §5.4).
std::string reserved_label_problem(std::string_view label) {
  if (label.size() < 4 || label.substr(2, 2) != "--") return "";
  if (!label.starts_with("xn--")) {
    return "the label \"" + std::string(label) +
           "\" has the reserved form \"xy--\" (hyphens in the third and fourth places) and is not an IDNA "
           "A-label (xn--)";
  }
  auto lookup = idna_lookup(std::string(label));
  if (!lookup) {
    return "the label \"" + std::string(label) + "\" is not a valid IDNA A-label (" +
           idn2_strerror(lookup.error()) + ")";
  }
  if (*lookup != label) return "the label \"" + std::string(label) + "\" is not in IDNA's canonical form";
  return "";
}

std::string label_problem(std::string_view label) {
  if (label.empty()) return "it has an empty label";
  if (label.size() > 63) return "a label is longer than 63 characters";
  for (char c : label) {
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) ||
          c == '-')) {
      return "it contains the character '" + common::printable(std::string_view(&c, 1)) + "'";
    }
  }
  if (label.front() == '-' || label.back() == '-') return "a label starts or ends with '-'";
  return reserved_label_problem(label);
}

// A name with non-ASCII characters is an IDN in Unicode form; certificates hold its A-labels.
std::string unicode_name_problem(std::string_view name) {
  auto ascii = idna_lookup(common::valid_utf8(name));
  if (!ascii) {
    return "it contains non-ASCII characters and is not a valid internationalized domain name (" +
           std::string(idn2_strerror(ascii.error())) + ")";
  }
  return "it contains non-ASCII characters; ask for the name in its ASCII (IDNA A-label) form, \"" + *ascii +
         "\"";
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
  if (!common::is_ascii(name)) return unicode_name_problem(name);
  if (looks_like_ip(name))
    return "an IP address is not a DNS name; ask for it as an \"ip\" identifier (RFC 8738)";
  std::string_view rest = name;
  if (rest.starts_with("*.")) rest.remove_prefix(2);
  if (rest.find('*') != std::string_view::npos)
    return "only a single leading \"*.\" wildcard label is allowed";
  int labels = 0;
  std::string_view last;
  while (true) {
    auto dot = rest.find('.');
    auto label = rest.substr(0, dot);
    if (auto why = label_problem(label); !why.empty()) return why;
    ++labels;
    last = label;
    if (dot == std::string_view::npos) break;
    rest.remove_prefix(dot + 1);
  }
  if (labels < 2) return "the name has only one label";
  // No top-level domain is all digits (RFC 3696 §2); such a name is a mistyped address.
  if (std::ranges::all_of(last, [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    return "its top-level domain \"" + std::string(last) + "\" is all digits";
  }
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
        auto p = Problem::make(
            ProblemType::rejected_identifier,
            "Invalid IP address \"" + common::printable(id.value, 253) + "\": " + canonical.error());
        p.identifier = id;
        rejected.push_back(std::move(p));
        continue;
      }
      id.value = std::move(*canonical);
      if (std::find(out.begin(), out.end(), id) == out.end()) out.push_back(std::move(id));
      continue;
    }
    id.value = common::ascii_lower(id.value);
    if (auto why = dns_name_problem(id.value); !why.empty()) {
      auto p = Problem::make(ProblemType::rejected_identifier,
                             "Invalid DNS name \"" + common::printable(id.value, 253) + "\": " + why);
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
