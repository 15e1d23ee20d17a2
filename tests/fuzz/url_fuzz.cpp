// http-01 redirect targets (the Location a validation target sends), resolved against a base.
#include "common/text.hpp"
#include "fuzz_input.hpp"
#include "validation/http_fetch.hpp"

using namespace cobble;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto parts = fuzz::split(fuzz::as_text(data, size), '\n', 2);
  auto base = validation::parse_url("http://base.example:5002/.well-known/acme-challenge/token");
  FUZZ_CHECK(base.has_value());
  const validation::Url* against = parts.size() == 2 && validation::parse_url(parts[1]) ? &*base : nullptr;
  if (auto url = validation::parse_url(parts[0], against ? against : &*base)) {
    auto text = url->to_string();
    // A URL goes into request lines and problem details: ASCII only, and stable when re-parsed.
    FUZZ_CHECK(common::is_ascii(text));
    for (char c : text) FUZZ_CHECK(static_cast<unsigned char>(c) > 0x20 && c != 0x7f);
    auto again = validation::parse_url(text);
    FUZZ_CHECK(again.has_value());
    FUZZ_CHECK(again->to_string() == text);
  }
  return 0;
}
