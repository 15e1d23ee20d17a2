#include "ca/csr_builder.hpp"

#include <arpa/inet.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ca/openssl.hpp"

namespace cobble::ca {
namespace {

bool is_ip_address(const std::string& name) {
  unsigned char buffer[16];
  return inet_pton(AF_INET, name.c_str(), buffer) == 1 || inet_pton(AF_INET6, name.c_str(), buffer) == 1;
}

}  // namespace

common::Result<std::string> make_csr_der(evp_pkey_st* key, const std::vector<std::string>& names,
                                         const std::string& common_name) {
  ossl::Req req(X509_REQ_new());
  if (!req || X509_REQ_set_pubkey(req.get(), key) != 1)
    return common::fail(std::errc::invalid_argument, "CSR: " + ossl::last_error("cannot set the public key"));
  if (!common_name.empty() &&
      X509_NAME_add_entry_by_NID(X509_REQ_get_subject_name(req.get()), NID_commonName, MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                                 0) != 1) {
    return common::fail(std::errc::invalid_argument, "CSR: " + ossl::last_error("bad common name"));
  }
  if (!names.empty()) {
    std::string san;
    for (const auto& name : names)
      san += std::string(san.empty() ? "" : ",") + (is_ip_address(name) ? "IP:" : "DNS:") + name;
    ossl::ExtensionStack extensions(sk_X509_EXTENSION_new_null());
    X509_EXTENSION* extension = X509V3_EXT_nconf_nid(nullptr, nullptr, NID_subject_alt_name, san.c_str());
    if (extension == nullptr)
      return common::fail(std::errc::invalid_argument, "CSR: " + ossl::last_error("bad subjectAltName"));
    sk_X509_EXTENSION_push(extensions.get(), extension);
    if (X509_REQ_add_extensions(req.get(), extensions.get()) != 1)
      return common::fail(std::errc::invalid_argument, "CSR: " + ossl::last_error("cannot add extensions"));
  }
  // Ed25519 signs the message itself: no separate digest.
  const EVP_MD* md = EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519 ? nullptr : EVP_sha256();
  if (X509_REQ_sign(req.get(), key, md) <= 0)
    return common::fail(std::errc::invalid_argument, "CSR: " + ossl::last_error("signing failed"));
  return ossl::der_of(i2d_X509_REQ, static_cast<const X509_REQ*>(req.get()));
}

}  // namespace cobble::ca
