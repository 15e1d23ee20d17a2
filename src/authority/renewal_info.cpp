#include "authority/renewal_info.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "acme/json_text.hpp"
#include "authority/errors.hpp"
#include "ca/crl.hpp"
#include "common/base64url.hpp"

namespace cobble::authority {
namespace {

using acme::Problem;

// base64url without padding: what RFC 9773 §4.1 asks clients to send.
std::optional<std::string> decode_part(std::string_view text) {
  if (text.empty() ||
      text.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") !=
          std::string_view::npos) {
    return std::nullopt;
  }
  return common::base64url_decode(text);
}

std::string window_json(common::TimePoint start, common::TimePoint end) {
  nlohmann::json body = {
      {"suggestedWindow", {{"start", common::to_rfc3339(start)}, {"end", common::to_rfc3339(end)}}}};
  return acme::json_text(body, 2);
}

}  // namespace

acme::Result<CertId> parse_cert_id(std::string_view text) {
  auto dot = text.find('.');
  if (dot == std::string_view::npos || text.find('.', dot + 1) != std::string_view::npos) {
    return acme::fail(Problem::malformed(
        "A certID is two base64url parts joined by a dot, <keyIdentifier>.<serial> (RFC 9773 §4.1)"));
  }
  auto key_id = decode_part(text.substr(0, dot));
  if (!key_id) {
    return acme::fail(Problem::malformed(
        "The certID's first part is not the base64url (unpadded) authority key identifier"));
  }
  auto serial = decode_part(text.substr(dot + 1));
  if (!serial) {
    return acme::fail(Problem::malformed("The certID's second part is not the base64url (unpadded) serial"));
  }
  // DER INTEGER content: a positive serial starts with a byte below 0x80.
  if (static_cast<unsigned char>((*serial)[0]) & 0x80) {
    return acme::fail(
        Problem::malformed("The certID's serial is negative; certificate serials are positive"));
  }
  std::string hex = common::hex_encode(*serial);
  auto first = hex.find_first_not_of('0');
  return CertId{*key_id, first == std::string::npos ? "0" : hex.substr(first)};
}

int renewal_info_retry_after(int jitter_percent, double unit) {
  double spread = static_cast<double>(std::clamp(jitter_percent, 0, 100)) / 100.0;
  return static_cast<int>(std::lround(kRenewalInfoRetryAfterSeconds * (1.0 + spread * (2.0 * unit - 1.0))));
}

std::string make_cert_id(std::string_view key_id, const std::string& serial_hex) {
  std::string hex = serial_hex.size() % 2 ? "0" + serial_hex : serial_hex;
  std::string bytes;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    bytes.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  // DER: a leading 0x00 keeps a serial whose top bit is set positive.
  if (!bytes.empty() && (static_cast<unsigned char>(bytes[0]) & 0x80)) bytes.insert(bytes.begin(), '\0');
  return common::base64url_encode(key_id) + "." + common::base64url_encode(bytes);
}

bool is_issuer_key_id(const ca::CertificateAuthority& ca, std::string_view key_id) {
  const auto& issuers = ca.issuers();
  return std::any_of(issuers.begin(), issuers.end(),
                     [&](const auto& i) { return i.key_identifier == key_id; });
}

bool signed_under(const ca::CertificateAuthority& ca, const Certificate& cert, std::string_view key_id) {
  const auto& issuers = ca.issuers();
  return std::any_of(issuers.begin(), issuers.end(),
                     [&](const auto& i) { return i.id == cert.issuer && i.key_identifier == key_id; });
}

RenewalInfo::RenewalInfo(storage::Store& store, const common::Clock& clock,
                         const ca::CertificateAuthority& ca)
    : store_(store), clock_(clock), ca_(ca) {}

acme::Result<Certificate> RenewalInfo::certificate(std::string_view cert_id) const {
  auto id = parse_cert_id(cert_id);
  if (!id) return acme::fail(id.error());
  if (!is_issuer_key_id(ca_, id->key_id)) {
    return acme::fail(Problem::not_found(
        "The certID's key identifier is not this CA's intermediate's: the certificate was not issued here"));
  }
  auto cert = store_.find_certificate(id->serial);
  if (!cert) {
    if (is_not_found(cert.error()))
      return acme::fail(Problem::not_found("No certificate with serial " + id->serial + " was issued here"));
    return acme::fail(internal_error("loading a certificate", cert.error()));
  }
  if (!signed_under(ca_, *cert, id->key_id)) {
    return acme::fail(Problem::not_found("Certificate " + id->serial +
                                         " was signed by another of this CA's intermediates than the "
                                         "certID's key identifier names"));
  }
  return *cert;
}

common::TimePoint renewal_window_start(const Certificate& cert, common::TimePoint now) {
  if (cert.revoked_at) return now - std::chrono::hours(1);
  auto ideal = cert.not_before + (cert.not_after - cert.not_before) * 2 / 3;
  return std::max(ideal - std::chrono::hours(24), cert.not_before);
}

acme::Result<std::string> RenewalInfo::lookup(std::string_view cert_id) const {
  auto cert = certificate(cert_id);
  if (!cert) return acme::fail(cert.error());
  auto custom = store_.find_renewal_info(cert->serial);
  if (custom) return *custom;
  if (!is_not_found(custom.error()))
    return acme::fail(internal_error("loading renewal info", custom.error()));
  auto start = renewal_window_start(*cert, clock_.now());
  if (cert->revoked_at) return window_json(start, start + std::chrono::seconds(1));
  auto ideal = cert->not_before + (cert->not_after - cert->not_before) * 2 / 3;
  auto end = std::min(ideal + std::chrono::hours(24), cert->not_after);
  return window_json(start, end);
}

acme::Result<void> RenewalInfo::set_override(const std::string& serial, const std::string& response) const {
  auto stored = store_.set_renewal_info(serial, response, clock_.now());
  if (!stored) {
    if (is_not_found(stored.error()))
      return acme::fail(Problem::not_found("No certificate with serial " + serial + " was issued here"));
    return acme::fail(internal_error("storing renewal info", stored.error()));
  }
  return {};
}

acme::Result<void> RenewalInfo::set_override_for_pem(std::string_view pem,
                                                     const std::string& response) const {
  auto der = ca::first_certificate_der(pem);
  if (!der) return acme::fail(Problem::malformed("\"Certificate\" holds no PEM certificate"));
  auto info = ca::parse_certificate_der(*der);
  if (!info) return acme::fail(Problem::malformed("\"Certificate\" does not parse: " + info.error().message));
  return set_override(info->serial, response);
}

}  // namespace cobble::authority
