#pragma once

// Reading certificates and chains back in tests: PEM bundles, path verification, the CRL
// distribution point a leaf names.

#include <openssl/pem.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <catch2/catch.hpp>
#include <string>
#include <string_view>

#include "ca/openssl.hpp"

namespace cobble::test {

namespace ossl = ca::ossl;

// Every certificate of a PEM bundle, in order.
inline ossl::CertStack chain_of(std::string_view pem) {
  ossl::CertStack chain(sk_X509_new_null());
  ossl::Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr))
    sk_X509_push(chain.get(), cert);
  return chain;
}

inline ossl::Cert cert_of(std::string_view pem) { return std::move(ossl::cert_from_pem(pem).value()); }

// The verified path's length (leaf to root) when `leaf` verifies to `root` through `untrusted`;
// -(OpenSSL error) otherwise.
inline int verified_length(X509* leaf, X509* root, STACK_OF(X509) * untrusted) {
  ossl::Store store(X509_STORE_new());
  X509_STORE_add_cert(store.get(), root);
  ossl::StoreCtx ctx(X509_STORE_CTX_new());
  X509_STORE_CTX_init(ctx.get(), store.get(), leaf, untrusted);
  X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_SERVER);
  if (X509_verify_cert(ctx.get()) != 1) return -X509_STORE_CTX_get_error(ctx.get());
  return sk_X509_num(X509_STORE_CTX_get0_chain(ctx.get()));
}

// The one URI of a leaf's CRL distribution points (DER leaf).
inline std::string crl_distribution_point(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ossl::Cert leaf(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  REQUIRE(leaf);
  std::unique_ptr<CRL_DIST_POINTS, ossl::FreeWith<CRL_DIST_POINTS_free>> points(static_cast<CRL_DIST_POINTS*>(
      X509_get_ext_d2i(leaf.get(), NID_crl_distribution_points, nullptr, nullptr)));
  REQUIRE(points);
  REQUIRE(sk_DIST_POINT_num(points.get()) == 1);
  GENERAL_NAME* name =
      sk_GENERAL_NAME_value(sk_DIST_POINT_value(points.get(), 0)->distpoint->name.fullname, 0);
  return {reinterpret_cast<const char*>(ASN1_STRING_get0_data(name->d.uniformResourceIdentifier)),
          static_cast<std::size_t>(ASN1_STRING_length(name->d.uniformResourceIdentifier))};
}

}  // namespace cobble::test
