#pragma once

#include <cstddef>
#include <string>
#include <string_view>

// Bytes from outside (HTTP peers, DNS records, certificates, request paths) often end up in text a
// person reads and in JSON, which must be valid UTF-8 (RFC 8259 §8.1): nlohmann::json refuses to
// serialise anything else, by throwing. These turn any bytes into text that is always safe to show.
namespace cobble::common {

// `bytes` with every ill-formed UTF-8 sequence (stray continuation bytes, truncated or overlong
// sequences, surrogates, code points above U+10FFFF) replaced by U+FFFD, one per maximal
// ill-formed subpart (Unicode §3.9). Valid UTF-8 comes back unchanged.
std::string valid_utf8(std::string_view bytes);

// `bytes` for a problem detail or a log line: valid UTF-8 characters are kept, ill-formed bytes
// and control characters (C0, DEL) are written as \xNN, and at most `max_chars` characters are
// kept, never cutting a character in two; "..." marks a cut.
std::string printable(std::string_view bytes, std::size_t max_chars = 100);

// True when every byte is ASCII (below 0x80).
bool is_ascii(std::string_view bytes);

// The protocols' case-insensitive names (DNS names, URL schemes, header names, hex) are ASCII:
// these fold A-Z only, whatever the locale, and leave every other byte as it is.
std::string ascii_lower(std::string_view text);
bool iequals(std::string_view a, std::string_view b);

// `text` safe inside HTML or XML content and quoted attribute values: & < > " ' as references.
std::string markup_escape(std::string_view text);

// `text` without the leading and trailing bytes found in `chars` (by default ASCII white space).
std::string_view trim(std::string_view text, std::string_view chars = " \t\r\n\f\v");

}  // namespace cobble::common
