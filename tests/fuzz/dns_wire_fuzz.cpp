// cobble-challsrv's DNS wire parser (queries from any client on its port) and the reply encoder.
#include "challsrv/dns_wire.hpp"
#include "fuzz_input.hpp"

using namespace cobble::challsrv;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto parsed = dns::parse_query(cobble::fuzz::as_text(data, size));
  if (!parsed) return 0;
  dns::Response response;
  response.answers.push_back({parsed->query.name, dns::kTypeTxt, 60, dns::rdata_txt(std::string(300, 'x'))});
  if (auto a = dns::rdata_a("127.0.0.1"))
    response.answers.push_back({parsed->query.name, dns::kTypeA, 60, *a});
  auto udp = dns::encode_response(*parsed, response, dns::kClassicUdpSize);
  FUZZ_CHECK(udp.size() <= dns::kClassicUdpSize);
  (void)dns::encode_response(*parsed, response, 65535);
  (void)dns::encode_name(parsed->query.name);
  return 0;
}
