#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/openssl.hpp"
#include "common/result.hpp"

namespace cobble::challsrv {

using PkeyPtr = common::ossl::PKey;
using X509Ptr = common::ossl::Cert;

// RFC 8737 §3 and RFC 8738 §6.
inline constexpr std::string_view kAcmeTls1Protocol = "acme-tls/1";
inline constexpr const char* kAcmeIdentifierOid = "1.3.6.1.5.5.7.1.31";

// A fresh P-256 key; nullptr only if OpenSSL cannot generate keys at all.
PkeyPtr generate_p256_key();

// "4.3.2.1.in-addr.arpa" → the 4 address bytes, a full 32-nibble ip6.arpa name → 16 bytes;
// nullopt for anything else (RFC 8738 §6: the SNI of an IP identifier is its reverse name).
std::optional<std::string> ip_from_reverse_name(std::string_view name);

// The self-signed TLS-ALPN-01 certificate for `server_name`, signed by `key`: one SAN (dNSName, or
// iPAddress for a reverse name) and the critical acmeIdentifier extension whose value is the DER
// OCTET STRING of SHA-256(key_authorization). Valid from an hour ago for a week. Fails with
// invalid_argument for a name that cannot be a dNSName, io_error if OpenSSL fails.
common::Result<X509Ptr> make_challenge_cert(std::string_view server_name, std::string_view key_authorization,
                                            EVP_PKEY* key);

}  // namespace cobble::challsrv
