// What a DNS server (or whoever answers in its place) sends back: TXT, CAA, A and AAAA answers as
// the resolver parses them, and what dns-01, dns-persist-01 and CAA make of the records, down to
// the problem document a client reads.
#include "acme/json_text.hpp"
#include "common/text.hpp"
#include "fuzz_input.hpp"
#include "validation/caa.hpp"
#include "validation/dns_answers.hpp"
#include "validation/dns_persist01.hpp"

using namespace cobble;
using namespace cobble::validation;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const unsigned char> message(data, size);
  const std::string name = "fuzz.example";
  Request request;
  request.type = "dns-01";
  request.identifier = {"dns", name};
  request.account_url = "https://ca.fuzz/acme/acct/1";
  request.wildcard = size % 2 == 1;
  const std::vector<std::string> issuers{"cobble.test"};
  if (auto txt = dns_answers::txt_records(message, name)) {
    for (const auto& record : *txt) {
      auto shown = common::printable(record, 100);
      FUZZ_CHECK(common::valid_utf8(shown) == shown);
      if (auto persist = parse_persist_record(record)) {
        auto why = persist_record_refusal(*persist, request, issuers);
        FUZZ_CHECK(common::valid_utf8(why) == why);
      } else {
        FUZZ_CHECK(common::valid_utf8(persist.error()) == persist.error());
      }
    }
  } else {
    FUZZ_CHECK(common::valid_utf8(txt.error().detail) == txt.error().detail);
  }
  if (auto caa = dns_answers::caa_records(message, name)) {
    if (auto refusal = caa_refusal(*caa, name, request, issuers)) {
      FUZZ_CHECK(common::valid_utf8(refusal->detail) == refusal->detail);
      (void)nlohmann::json(refusal->detail).dump();  // throws on invalid UTF-8
    }
  }
  (void)dns_answers::addresses(message, false, name);
  (void)dns_answers::addresses(message, true, name);
  return 0;
}
