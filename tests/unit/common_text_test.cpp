#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "common/text.hpp"

using cobble::common::is_ascii;
using cobble::common::printable;
using cobble::common::valid_utf8;

namespace {
const std::string kReplacement = "\xEF\xBF\xBD";
}

TEST_CASE("valid UTF-8 passes through unchanged", "[common][text]") {
  auto text = GENERATE(as<std::string>{}, "", "plain ascii", "exämple", "日本語", "emoji \xF0\x9F\x92\xA9",
                       "\xF4\x8F\xBF\xBF" /* U+10FFFF */, "\xED\x9F\xBF" /* U+D7FF */);
  CAPTURE(text);
  CHECK(valid_utf8(text) == text);
}

TEST_CASE("each ill-formed UTF-8 subpart becomes one U+FFFD", "[common][text]") {
  struct Case {
    std::string in, out;
  };
  auto c = GENERATE_COPY(values<Case>({
      {"x\xFF", "x" + kReplacement},                                 // a byte that never starts a character
      {"\x80\x80", kReplacement + kReplacement},                     // stray continuation bytes
      {"\xC3", kReplacement},                                        // truncated at the end
      {"\xC3x", kReplacement + "x"},                                 // truncated before ASCII
      {"\xE2\x82", kReplacement},                                    // truncated 3-byte sequence: one subpart
      {"\xC0\xAF", kReplacement + kReplacement},                     // overlong '/'
      {"\xE0\x80\xAF", kReplacement + kReplacement + kReplacement},  // overlong, 3 bytes
      {"\xED\xA0\x80", kReplacement + kReplacement + kReplacement},  // a UTF-16 surrogate
      {"\xF4\x90\x80\x80", kReplacement + kReplacement + kReplacement + kReplacement},  // above U+10FFFF
  }));
  CAPTURE(c.in);
  auto out = valid_utf8(c.in);
  CHECK(out == c.out);
  CHECK_NOTHROW(nlohmann::json(out).dump());
}

TEST_CASE("printable escapes controls and bad bytes and never cuts a character in two", "[common][text]") {
  CHECK(printable("a\nb\x01\x7f") == "a\\x0ab\\x01\\x7f");
  CHECK(printable("/x\xff") == "/x\\xff");
  CHECK(printable("exämple") == "exämple");
  // 99 ASCII bytes then 'é' (2 bytes): a byte-wise cut at 100 would split it.
  std::string record = std::string(99, 'a') + "é" + "tail";
  CHECK(printable(record, 100) == std::string(99, 'a') + "é...");
  CHECK(printable(std::string(99, 'a') + "é", 100) == std::string(99, 'a') + "é");
  CHECK(printable(std::string(100, 'a') + "é", 100) == std::string(100, 'a') + "...");
  CHECK_NOTHROW(nlohmann::json(printable(std::string(99, 'a') + "\xC3", 100)).dump());
}

TEST_CASE("is_ascii tells ASCII from everything else", "[common][text]") {
  CHECK(is_ascii("example.com"));
  CHECK(is_ascii(""));
  CHECK_FALSE(is_ascii("exämple.com"));
  CHECK_FALSE(is_ascii("\xff"));
}

TEST_CASE("ASCII case folding touches A-Z only", "[common][text]") {
  using cobble::common::ascii_lower;
  using cobble::common::iequals;
  CHECK(ascii_lower("WWW.Example.COM") == "www.example.com");
  CHECK(ascii_lower("0-9_@[`{") == "0-9_@[`{");              // the neighbours of A-Z and a-z stay
  CHECK(ascii_lower("\xC3\x84XAMPLE") == "\xC3\x84xample");  // bytes above 0x7f untouched: no locale
  CHECK(iequals("Content-Type", "content-TYPE"));
  CHECK_FALSE(iequals("Content-Type", "Content-Typ"));
  CHECK_FALSE(iequals("@", "`"));  // 0x40 and 0x60 differ by the case bit but are no letters
  CHECK(iequals("", ""));
}

TEST_CASE("trim removes the given bytes at both ends only", "[common][text]") {
  using cobble::common::trim;
  CHECK(trim("  \t a b \r\n") == "a b");
  CHECK(trim(" \t\r\n\f\v").empty());
  CHECK(trim("").empty());
  CHECK(trim("\ta\t", " ") == "\ta\t");
  CHECK(trim(" q=0.5\t", " \t") == "q=0.5");
}

TEST_CASE("markup_escape makes text safe in HTML and XML content and quoted attributes", "[common]") {
  CHECK(cobble::common::markup_escape("a<b>&\"c\" 'd'") == "a&lt;b&gt;&amp;&quot;c&quot; &#39;d&#39;");
  CHECK(cobble::common::markup_escape("plain, été") == "plain, été");
}
