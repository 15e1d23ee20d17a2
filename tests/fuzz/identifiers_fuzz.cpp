// Identifier normalisation: a newOrder "identifiers" member and single names or addresses.
#include "acme/identifiers.hpp"
#include "acme/json_text.hpp"
#include "common/text.hpp"
#include "fuzz_input.hpp"

using namespace cobble;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto text = fuzz::as_text(data, size);
  auto json = nlohmann::json::parse(text, nullptr, false);
  if (!json.is_discarded()) {
    auto decoded = acme::decode_identifiers(json, 100);
    if (decoded) {
      for (const auto& id : *decoded) {
        // What comes out is what certificates hold: ASCII, and already normal.
        FUZZ_CHECK(common::is_ascii(id.value));
        if (id.type == "dns") FUZZ_CHECK(acme::dns_name_problem(id.value).empty());
        if (id.type == "ip") FUZZ_CHECK(acme::canonical_ip(id.value).value_or("") == id.value);
      }
    } else {
      (void)acme::json_text(acme::to_json(decoded.error()));
    }
  }
  auto why = acme::dns_name_problem(text);
  FUZZ_CHECK(common::valid_utf8(why) == why);
  if (auto ip = acme::canonical_ip(text)) {
    FUZZ_CHECK(acme::canonical_ip(*ip).value_or("") == *ip);
    FUZZ_CHECK(!acme::reverse_dns_name(*ip).empty());
  }
  return 0;
}
