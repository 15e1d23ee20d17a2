#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "ca/crl_layout.hpp"
#include "common/key_policy.hpp"
#include "storage/records.hpp"

namespace cobble::authority {

// The resources authority/ hands out are the plain records storage keeps: values, no behaviour.
using Account = storage::AccountRecord;
using Order = storage::OrderRecord;
using Authorization = storage::AuthzRecord;
using Challenge = storage::ChallengeRecord;
using Certificate = storage::CertificateRecord;

// draft-ietf-acme-profiles: a named set of issuance choices a client picks in newOrder.
struct Profile {
  std::string name;
  std::string description;
  std::chrono::seconds validity{std::chrono::hours(24 * 90)};
  // Let's Encrypt's "classic": the subject CN is the CSR's CN, or else the first DNS identifier
  // of at most 64 characters (RFC 5280's ub-common-name).
  bool promote_common_name = false;
  bool server_auth = true;   // EKU id-kp-serverAuth
  bool client_auth = false;  // EKU id-kp-clientAuth
  // KU keyEncipherment on RSA leafs (RSA key exchange, TLS 1.2 and older); Let's Encrypt's
  // tlsserver and shortlived leave it out.
  bool key_encipherment = true;
  bool subject_key_identifier = true;  // the leaf's SKI extension (RFC 5280 makes it optional in leafs)
  // Orders and authorizations made under this profile. app/ starts every configured profile from
  // the Policy's values, so a profile sets only what it changes.
  std::chrono::seconds order_lifetime{std::chrono::hours(24)};
  std::chrono::seconds pending_authz_lifetime{std::chrono::hours(24 * 7)};
  // How long a validated authorization lives, and so how long later orders of this profile reuse it.
  std::chrono::seconds valid_authz_lifetime{std::chrono::hours(24 * 30)};
  std::size_t max_identifiers = 100;
  bool dns_identifiers = true;  // "dns" identifiers (RFC 8555)
  bool ip_identifiers = true;   // "ip" identifiers (RFC 8738); Let's Encrypt: shortlived only
};

// What newAccount without termsOfServiceAgreed is refused with (termsRefusal).
enum class TermsRefusal {
  user_action_required,  // 403 userActionRequired with a terms-of-service Link (Cobble)
  agreement_required,    // 403 agreementRequired, the draft type Pebble sends
  malformed,             // 400 malformed "must agree to terms of service" (Boulder)
};

// The CA's issuance rules. Built by app/ from configuration.
struct Policy {
  // This process among the deployment's instances: the owner of the validation leases it takes.
  std::string instance_id = "cobble";
  // The built-in profile's values (offered when `profiles` is empty), and where a configured
  // profile starts from.
  std::chrono::seconds order_lifetime{std::chrono::hours(24)};
  std::chrono::seconds pending_authz_lifetime{std::chrono::hours(24 * 7)};
  std::chrono::seconds valid_authz_lifetime{std::chrono::hours(24 * 30)};
  std::chrono::seconds certificate_validity{std::chrono::hours(24 * 90)};
  // Longest notBefore..notAfter a client may ask for.
  std::chrono::seconds max_certificate_validity{std::chrono::hours(24 * 100)};
  // Share (0–100) of new orders that reuse an account's valid authorization for an identifier.
  // 0 means never (every order gets fresh authorizations), 100 always.
  int authz_reuse_percent = 100;
  // ± percent on renewalInfo's Retry-After (ariRetryAfterJitterPercent; Let's Encrypt: 20).
  int renewal_info_retry_jitter_percent = 0;
  // Whether newOrder may ask for notBefore/notAfter (RFC 8555 §7.4; Let's Encrypt refuses them).
  bool accept_order_validity = true;
  // Whether a revoked certificate can still be downloaded (Boulder: yes; Pebble: 404).
  bool serve_revoked_certificates = true;
  // Which account keys (newAccount, keyChange) and CSR keys are accepted (keyPolicy).
  common::KeyPolicy key_policy = common::default_key_policy();
  std::size_t max_identifiers = 100;  // per order, for the built-in profile (see above)
  std::size_t max_contacts = 10;
  bool require_terms_of_service = false;
  TermsRefusal terms_refusal = TermsRefusal::user_action_required;
  std::string terms_of_service_url;
  // Reason codes revokeCert accepts (RFC 8555 §7.6 leaves the set to the CA); empty = every RFC
  // 5280 code (0-6, 8-10). Let's Encrypt: 0, 1, 4, 5.
  std::vector<int> revocation_reasons;
  // finalize answers the issued order as processing, without its certificate URL, as CAs that
  // issue in the background do (Pebble, Let's Encrypt staging): the client must poll the order.
  bool finalize_answers_processing = false;
  int retry_after_seconds = 1;        // Retry-After while an order is processing (0: no header)
  int retry_after_authz_seconds = 1;  // Retry-After while a challenge (and so its authz) is processing
  // Names refused with rejectedIdentifier, subdomains included (Pebble's domainBlocklist).
  std::vector<std::string> domain_blocklist;
  // Draft challenge types, offered (besides RFC 8555's) only when enabled.
  bool dns_account01_enabled = false;  // draft-ietf-acme-dns-account-label
  bool dns_persist01_enabled = false;  // draft-ietf-acme-dns-persist
  // The CA's issuer domain names (RFC 8659 §4.2): what CAA "issue" values and dns-persist-01
  // records must name. The challenge object's "issuer-domain-names".
  std::vector<std::string> issuer_domain_names{"cobble.test"};
  // "https://host:port/acme/acct/": account URLs for validations resumed after a restart, when
  // no request tells the base URL the client used.
  std::string account_url_prefix;
  // RFC 8555 §7.3.4 external account binding: newAccount must carry one when required; MAC keys
  // (raw bytes) by key identifier.
  bool external_account_required = false;
  std::map<std::string, std::string> external_account_mac_keys;
  // Profiles offered, sorted by name; empty: one built-in "default" with certificate_validity.
  std::vector<Profile> profiles;
  std::string default_profile;  // a name in `profiles`; "": "default" if offered, else the first
  ca::CrlLayout crl;            // where CRLs are published (CRL Distribution Points); base "" = none
  // A CRL's nextUpdate is thisUpdate + this − 1 s (Boulder's rule); Let's Encrypt: 216 hours.
  std::chrono::seconds crl_lifetime{std::chrono::hours(24)};
  std::string ocsp_url;  // AIA OCSP of issued certificates; "" = none (Cobble runs no responder)
  std::vector<std::string> certificate_policies;  // policy OIDs of issued certificates
};

}  // namespace cobble::authority
