#include "common/text.hpp"

#include <cstdint>

namespace cobble::common {
namespace {

// What a lead byte promises (Unicode Table 3-7, the only well-formed byte sequences): the
// sequence's length and the range its second byte must fall in; length 0 for a byte that cannot
// start a sequence.
struct Lead {
  std::size_t length = 0;
  std::uint8_t lo = 0x80, hi = 0xBF;
};

Lead lead_of(std::uint8_t b) {
  if (b < 0x80) return {1};
  if (b >= 0xC2 && b <= 0xDF) return {2};
  if (b == 0xE0) return {3, 0xA0, 0xBF};  // no overlong forms
  if (b == 0xED) return {3, 0x80, 0x9F};  // no surrogates
  if (b >= 0xE1 && b <= 0xEF) return {3};
  if (b == 0xF0) return {4, 0x90, 0xBF};  // no overlong forms
  if (b == 0xF4) return {4, 0x80, 0x8F};  // nothing above U+10FFFF
  if (b >= 0xF1 && b <= 0xF3) return {4};
  return {};
}

// How many bytes at `i` match the start of a well-formed sequence: the whole sequence when it is
// one, else its "maximal subpart" (at least 1), which one U+FFFD replaces (Unicode §3.9).
struct Match {
  std::size_t length;
  bool well_formed;
};

Match match_at(std::string_view s, std::size_t i) {
  auto lead = lead_of(static_cast<std::uint8_t>(s[i]));
  if (lead.length <= 1) return {1, lead.length == 1};
  auto in = [&](std::size_t k, std::uint8_t lo, std::uint8_t hi) {
    if (k >= s.size()) return false;
    auto b = static_cast<std::uint8_t>(s[k]);
    return b >= lo && b <= hi;
  };
  std::size_t k = 1;
  if (in(i + k, lead.lo, lead.hi)) {
    ++k;
    while (k < lead.length && in(i + k, 0x80, 0xBF)) ++k;
  }
  return {k, k == lead.length};
}

void append_escaped(std::string& out, std::uint8_t b) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += "\\x";
  out += kHex[b >> 4];
  out += kHex[b & 0xF];
}

}  // namespace

std::string valid_utf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (std::size_t i = 0; i < bytes.size();) {
    auto [n, well_formed] = match_at(bytes, i);
    if (well_formed) {
      out.append(bytes.substr(i, n));
    } else {
      out += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER
    }
    i += n;
  }
  return out;
}

std::string printable(std::string_view bytes, std::size_t max_chars) {
  std::string out;
  std::size_t chars = 0;
  std::size_t i = 0;
  for (; i < bytes.size() && chars < max_chars; ++chars) {
    auto b = static_cast<std::uint8_t>(bytes[i]);
    auto [n, well_formed] = match_at(bytes, i);
    if (!well_formed || (n == 1 && (b < 0x20 || b == 0x7F))) {
      append_escaped(out, b);
      ++i;
      continue;
    }
    out.append(bytes.substr(i, n));
    i += n;
  }
  if (i < bytes.size()) out += "...";
  return out;
}

bool is_ascii(std::string_view bytes) {
  for (char c : bytes)
    if (static_cast<std::uint8_t>(c) >= 0x80) return false;
  return true;
}

namespace {
char fold(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
}  // namespace

std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = fold(c);
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (fold(a[i]) != fold(b[i])) return false;
  }
  return true;
}

std::string_view trim(std::string_view text, std::string_view chars) {
  const auto begin = text.find_first_not_of(chars);
  if (begin == std::string_view::npos) return {};
  return text.substr(begin, text.find_last_not_of(chars) - begin + 1);
}

std::string markup_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace cobble::common
