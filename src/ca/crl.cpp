#include "ca/crl.hpp"

#include <algorithm>
#include <chrono>

#include "ca/openssl.hpp"

namespace cobble::ca {
namespace {

using ossl::Asn1Enumerated;
using ossl::Asn1Time;
using ossl::AuthorityKeyId;
using ossl::Crl;
using ossl::Revoked;

std::unexpected<common::Error> openssl_failure(std::string_view what) {
  return common::fail(std::errc::io_error, "CRL " + std::string(what) + ": " + ossl::last_error());
}

Asn1Time asn1_time(TimePoint t) {
  return Asn1Time(ASN1_TIME_set(nullptr, std::chrono::system_clock::to_time_t(t)));
}

Result<void> add_entry(X509_CRL* crl, const RevokedEntry& entry) {
  BIGNUM* raw = nullptr;
  if (entry.serial.empty() || entry.serial.find_first_not_of("0123456789abcdef") != std::string::npos ||
      BN_hex2bn(&raw, entry.serial.c_str()) == 0) {
    return common::fail(std::errc::invalid_argument, "serial '" + entry.serial + "' is not hexadecimal");
  }
  ossl::Bignum bn(raw);
  ossl::Asn1Integer serial(BN_to_ASN1_INTEGER(bn.get(), nullptr));
  Revoked revoked(X509_REVOKED_new());
  auto date = asn1_time(entry.revoked_at);
  if (!serial || !revoked || !date || X509_REVOKED_set_serialNumber(revoked.get(), serial.get()) != 1 ||
      X509_REVOKED_set_revocationDate(revoked.get(), date.get()) != 1) {
    return openssl_failure("entry");
  }
  if (entry.reason != 0) {
    Asn1Enumerated reason(ASN1_ENUMERATED_new());
    if (!reason || ASN1_ENUMERATED_set(reason.get(), entry.reason) != 1 ||
        X509_REVOKED_add1_ext_i2d(revoked.get(), NID_crl_reason, reason.get(), 0, 0) != 1) {
      return openssl_failure("reason code");
    }
  }
  if (X509_CRL_add0_revoked(crl, revoked.get()) != 1) return openssl_failure("entry");
  revoked.release();
  return {};
}

// RFC 5280 §5.2.5: names the one URL this CRL is published at, and says it lists only end-entity
// certificates, so a relying party can tell a shard from a complete CRL.
Result<void> add_issuing_distribution_point(X509_CRL* crl, const std::string& uri) {
  ossl::IssuingDistPoint idp(ISSUING_DIST_POINT_new());
  ossl::GeneralName name(GENERAL_NAME_new());
  ossl::Asn1Ia5String text(ASN1_IA5STRING_new());
  if (!idp || !name || !text || ASN1_STRING_set(text.get(), uri.data(), static_cast<int>(uri.size())) != 1) {
    return openssl_failure("issuing distribution point");
  }
  GENERAL_NAME_set0_value(name.get(), GEN_URI, text.release());
  idp->distpoint = DIST_POINT_NAME_new();
  if (!idp->distpoint || !(idp->distpoint->name.fullname = GENERAL_NAMES_new()) ||
      sk_GENERAL_NAME_push(idp->distpoint->name.fullname, name.get()) <= 0) {
    return openssl_failure("issuing distribution point");
  }
  name.release();
  idp->distpoint->type = 0;  // fullName
  idp->onlyuser = 0xFF;      // BOOLEAN TRUE
  if (X509_CRL_add1_ext_i2d(crl, NID_issuing_distribution_point, idp.get(), 1, 0) != 1) {
    return openssl_failure("issuing distribution point");
  }
  return {};
}

}  // namespace

Result<std::string> sign_crl(const CertificateAuthority& ca, const CrlRequest& request) {
  const auto& issuers = ca.issuers();
  auto found =
      std::find_if(issuers.begin(), issuers.end(), [&](const auto& i) { return i.id == request.issuer; });
  if (found == issuers.end())
    return common::fail(std::errc::invalid_argument, "there is no issuer \"" + request.issuer + "\"");
  auto issuer = ossl::cert_from_pem(found->cert_pem);
  if (!issuer) return std::unexpected(issuer.error());
  auto key = ossl::key_from_pem(found->key_pem);
  if (!key) return std::unexpected(key.error());

  Crl crl(X509_CRL_new());
  auto this_update = asn1_time(request.this_update);
  auto next_update = asn1_time(request.next_update);
  if (!crl || !this_update || !next_update || X509_CRL_set_version(crl.get(), X509_CRL_VERSION_2) != 1 ||
      X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(issuer->get())) != 1 ||
      X509_CRL_set1_lastUpdate(crl.get(), this_update.get()) != 1 ||
      X509_CRL_set1_nextUpdate(crl.get(), next_update.get()) != 1) {
    return openssl_failure("header");
  }
  for (const auto& entry : request.revoked) {
    if (auto added = add_entry(crl.get(), entry); !added) return std::unexpected(added.error());
  }
  X509_CRL_sort(crl.get());

  ossl::Asn1Integer number(ASN1_INTEGER_new());
  if (!number || ASN1_INTEGER_set_uint64(number.get(), request.number) != 1 ||
      X509_CRL_add1_ext_i2d(crl.get(), NID_crl_number, number.get(), 0, 0) != 1) {
    return openssl_failure("number");
  }
  // RFC 5280 §5.2.1: conforming CRL issuers MUST include the authority key identifier.
  const ASN1_OCTET_STRING* ski = X509_get0_subject_key_id(issuer->get());
  AuthorityKeyId akid(AUTHORITY_KEYID_new());
  if (!ski || !akid || !(akid->keyid = ASN1_OCTET_STRING_dup(ski)) ||
      X509_CRL_add1_ext_i2d(crl.get(), NID_authority_key_identifier, akid.get(), 0, 0) != 1) {
    return openssl_failure("authority key identifier");
  }
  if (!request.distribution_point.empty()) {
    if (auto added = add_issuing_distribution_point(crl.get(), request.distribution_point); !added)
      return std::unexpected(added.error());
  }
  if (X509_CRL_sign(crl.get(), key->get(), ossl::signing_digest(key->get())) <= 0)
    return openssl_failure("signing");
  auto der = ossl::der_of<X509_CRL>(i2d_X509_CRL, crl.get());
  if (der.empty()) return openssl_failure("encoding");
  return der;
}

}  // namespace cobble::ca
