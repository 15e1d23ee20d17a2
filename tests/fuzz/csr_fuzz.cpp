// The CSR parser and key policy (finalize), and certificates clients send for revocation.
#include "acme/identifiers.hpp"
#include "acme/json_text.hpp"
#include "acme/problem.hpp"
#include "ca/certificate_authority.hpp"
#include "fuzz_input.hpp"

using namespace cobble;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto der = fuzz::as_text(data, size);
  if (auto csr = ca::parse_csr(der)) {
    std::string names;
    for (const auto& name : csr->dns_names) {
      (void)acme::dns_name_problem(name);
      names += name + ", ";
    }
    for (const auto& ip : csr->ip_addresses) FUZZ_CHECK(acme::canonical_ip(ip).has_value());
    // Finalize quotes the CSR's names back to the client.
    (void)acme::json_text(acme::to_json(acme::Problem::make(acme::ProblemType::bad_csr, names)));
  } else {
    (void)acme::json_text(
        acme::to_json(acme::Problem::make(acme::ProblemType::bad_csr, csr.error().message)));
  }
  if (auto cert = ca::parse_certificate_der(der)) (void)cert->serial;
  (void)ca::first_certificate_der(der);
  return 0;
}
