// The certificate a tls-alpn-01 validation target presents (RFC 8737 §3): any DER either parses
// and gets an answer a person can read, or does not parse.
#include <openssl/x509.h>

#include <memory>

#include "common/text.hpp"
#include "fuzz_input.hpp"
#include "validation/tls_alpn01.hpp"

using namespace cobble;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const unsigned char* p = data;
  std::unique_ptr<X509, decltype(&X509_free)> cert(d2i_X509(nullptr, &p, static_cast<long>(size)), X509_free);
  if (!cert) return 0;
  for (const acme::Identifier& id :
       {acme::Identifier{"dns", "fuzz.example"}, acme::Identifier{"ip", "127.0.0.1"}}) {
    auto why = validation::certificate_problem(cert.get(), id, "token.thumbprint");
    FUZZ_CHECK(common::valid_utf8(why) == why);
  }
  return 0;
}
