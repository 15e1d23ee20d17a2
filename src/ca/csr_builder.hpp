#pragma once

#include <string>
#include <vector>

#include "common/result.hpp"

// OpenSSL's key type, without pulling OpenSSL headers into every includer.
struct evp_pkey_st;

namespace cobble::ca {

// The client side of finalize, for tests and cobble-bench: a PKCS#10 CSR signed by `key` (an
// OpenSSL EVP_PKEY: RSA, EC or Ed25519) with `names` as SANs (IPv4/IPv6 addresses as iPAddress,
// everything else as dNSName) and, when given, a subject CN.
// Returns the DER. invalid_argument when OpenSSL refuses a name or the key cannot sign.
common::Result<std::string> make_csr_der(evp_pkey_st* key, const std::vector<std::string>& names,
                                         const std::string& common_name = "");

}  // namespace cobble::ca
