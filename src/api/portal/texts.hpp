#pragma once

#include <array>
#include <string_view>

// The unpause portal's words in every supported language (pausing.md "The self-service portal"),
// and which language a client gets. Pure data and functions: no I/O.
namespace cobble::api::portal {

enum class Language { en, de, fr, es, zh };

// The supported language the client prefers most (RFC 9110 §12.5.4 Accept-Language): the highest
// q-value wins (q=0 means "not acceptable"), ties go to the earlier entry, only the primary subtag
// counts ("de-CH" → de, "zh-TW" → zh). English when nothing supported is acceptable or the header is
// absent or malformed.
Language negotiate_language(std::string_view accept_language);
// The BCP 47 tag for <html lang>: "en", "de", "fr", "es", "zh".
std::string_view language_tag(Language language);

// Every text of the portal in one language. "{n}" stands for a number.
struct Texts {
  const char* tag;
  const char* title;
  const char* form_heading;
  const char* account;
  const char* identifiers;
  const char* why_heading;
  const char* why;
  const char* what_heading;
  const char* what;
  std::array<const char*, 4> checks;  // DNS, web server, firewall, staging CA
  const char* ready_heading;
  const char* ready;
  const char* button;
  const char* done_one;
  const char* done_many;
  const char* done;
  const char* some_heading;
  const char* some;
  const char* none_heading;
  const char* none;
  // Indexed by Notice: heading, paragraph.
  std::array<std::array<const char*, 2>, 6> notices;
};

const Texts& texts(Language language);

}  // namespace cobble::api::portal
