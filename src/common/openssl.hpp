#pragma once

// RAII owners for OpenSSL handles, one alias per handle type, for every folder that calls
// OpenSSL: a handle is owned from the line that creates it, so no error path leaks it.

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

namespace cobble::common::ossl {

template <auto Free>
struct FreeWith {
  template <class T>
  void operator()(T* p) const {
    Free(p);
  }
};

struct OpensslFree {
  void operator()(void* p) const { OPENSSL_free(p); }
};
struct ExtensionStackFree {
  void operator()(STACK_OF(X509_EXTENSION) * p) const { sk_X509_EXTENSION_pop_free(p, X509_EXTENSION_free); }
};
struct CertStackFree {
  void operator()(STACK_OF(X509) * p) const { sk_X509_pop_free(p, X509_free); }
};

using PKey = std::unique_ptr<EVP_PKEY, FreeWith<EVP_PKEY_free>>;
using PKeyCtx = std::unique_ptr<EVP_PKEY_CTX, FreeWith<EVP_PKEY_CTX_free>>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, FreeWith<EVP_MD_CTX_free>>;
using ParamBld = std::unique_ptr<OSSL_PARAM_BLD, FreeWith<OSSL_PARAM_BLD_free>>;
using Params = std::unique_ptr<OSSL_PARAM, FreeWith<OSSL_PARAM_free>>;
using EcdsaSig = std::unique_ptr<ECDSA_SIG, FreeWith<ECDSA_SIG_free>>;
using Cert = std::unique_ptr<X509, FreeWith<X509_free>>;
using Req = std::unique_ptr<X509_REQ, FreeWith<X509_REQ_free>>;
using Crl = std::unique_ptr<X509_CRL, FreeWith<X509_CRL_free>>;
using Revoked = std::unique_ptr<X509_REVOKED, FreeWith<X509_REVOKED_free>>;
using Algorithm = std::unique_ptr<X509_ALGOR, FreeWith<X509_ALGOR_free>>;
using Bio = std::unique_ptr<BIO, FreeWith<BIO_free_all>>;
using Bignum = std::unique_ptr<BIGNUM, FreeWith<BN_free>>;
using Name = std::unique_ptr<X509_NAME, FreeWith<X509_NAME_free>>;
using Asn1Integer = std::unique_ptr<ASN1_INTEGER, FreeWith<ASN1_INTEGER_free>>;
using Asn1String = std::unique_ptr<ASN1_STRING, FreeWith<ASN1_STRING_free>>;
using Asn1Object = std::unique_ptr<ASN1_OBJECT, FreeWith<ASN1_OBJECT_free>>;
using Asn1Time = std::unique_ptr<ASN1_TIME, FreeWith<ASN1_TIME_free>>;
using Asn1Enumerated = std::unique_ptr<ASN1_ENUMERATED, FreeWith<ASN1_ENUMERATED_free>>;
using AuthorityKeyId = std::unique_ptr<AUTHORITY_KEYID, FreeWith<AUTHORITY_KEYID_free>>;
using Asn1BitString = std::unique_ptr<ASN1_BIT_STRING, FreeWith<ASN1_BIT_STRING_free>>;
using Asn1OctetString = std::unique_ptr<ASN1_OCTET_STRING, FreeWith<ASN1_OCTET_STRING_free>>;
using Asn1Ia5String = std::unique_ptr<ASN1_IA5STRING, FreeWith<ASN1_IA5STRING_free>>;
using Extension = std::unique_ptr<X509_EXTENSION, FreeWith<X509_EXTENSION_free>>;
using ExtensionStack = std::unique_ptr<STACK_OF(X509_EXTENSION), ExtensionStackFree>;
using CertStack = std::unique_ptr<STACK_OF(X509), CertStackFree>;
using GeneralName = std::unique_ptr<GENERAL_NAME, FreeWith<GENERAL_NAME_free>>;
using GeneralNames = std::unique_ptr<GENERAL_NAMES, FreeWith<GENERAL_NAMES_free>>;
using CertificatePolicies = std::unique_ptr<CERTIFICATEPOLICIES, FreeWith<CERTIFICATEPOLICIES_free>>;
using PolicyInfo = std::unique_ptr<POLICYINFO, FreeWith<POLICYINFO_free>>;
using IssuingDistPoint = std::unique_ptr<ISSUING_DIST_POINT, FreeWith<ISSUING_DIST_POINT_free>>;
using ExtendedKeyUsage = std::unique_ptr<EXTENDED_KEY_USAGE, FreeWith<EXTENDED_KEY_USAGE_free>>;
using Store = std::unique_ptr<X509_STORE, FreeWith<X509_STORE_free>>;
using StoreCtx = std::unique_ptr<X509_STORE_CTX, FreeWith<X509_STORE_CTX_free>>;
using OpensslString = std::unique_ptr<char, OpensslFree>;

}  // namespace cobble::common::ossl
