// The problem serialiser: any bytes in a problem's strings serialise to JSON that parses back, and
// the text helpers keep their promises (valid UTF-8 out, no control characters shown raw).
#include "acme/json_text.hpp"
#include "acme/problem.hpp"
#include "api/problem_reply.hpp"
#include "common/text.hpp"
#include "fuzz_input.hpp"

using namespace cobble;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto parts = fuzz::split(fuzz::as_text(data, size), '\0', 4);
  while (parts.size() < 4) parts.emplace_back();
  // Built field by field, bypassing Problem::make's cleaning: the writer must cope on its own.
  acme::Problem raw;
  raw.type = static_cast<acme::ProblemType>(size % 26);
  raw.detail = std::string(parts[0]);
  raw.instance = std::string(parts[1]);
  raw.identifier = acme::Identifier{"dns", std::string(parts[2])};
  raw.subproblems.push_back(acme::Problem::make(acme::ProblemType::malformed, std::string(parts[3])));
  auto text = acme::json_text(acme::to_json(raw), 2);
  auto parsed = nlohmann::json::parse(text, nullptr, false);
  FUZZ_CHECK(!parsed.is_discarded());
  FUZZ_CHECK(parsed["detail"] == common::valid_utf8(parts[0]));
  FUZZ_CHECK(parsed["subproblems"][0]["detail"] == common::valid_utf8(parts[3]));
  FUZZ_CHECK(!nlohmann::json::parse(api::problem_reply(raw).body, nullptr, false).is_discarded());

  auto whole = fuzz::as_text(data, size);
  auto clean = common::valid_utf8(whole);
  FUZZ_CHECK(common::valid_utf8(clean) == clean);
  auto shown = common::printable(whole, size % 200);
  FUZZ_CHECK(common::valid_utf8(shown) == shown);
  for (char c : shown) FUZZ_CHECK(static_cast<unsigned char>(c) >= 0x20 && c != 0x7f);
  return 0;
}
