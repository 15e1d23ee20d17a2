#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/gcra.hpp"
#include "common/status.hpp"

// Plain records the Store reads and writes. Statuses are the enums of common/status.hpp (stored as
// their RFC 8555 tokens): storage keeps them, authority/ decides them. No JSON, HTTP or problems here.
namespace cobble::storage {

using common::AccountStatus;
using common::AuthzStatus;
using common::ChallengeStatus;
using common::OrderStatus;
using common::TimePoint;

struct IdentifierRecord {
  std::string type;   // "dns" or "ip"
  std::string value;  // normalised, e.g. "*.example.com"
  bool operator==(const IdentifierRecord&) const = default;
};

struct AccountRecord {
  std::int64_t id = 0;         // assigned by create_account
  std::string key_thumbprint;  // RFC 7638, unique
  std::string jwk;             // the public JWK as JSON text
  std::vector<std::string> contacts;
  AccountStatus status = AccountStatus::valid;
  TimePoint created_at{};
  // RFC 8555 §7.3.4: the key identifier of the external account binding that created the account
  // and the binding JWS as sent (JSON text); both empty when it was created without one.
  std::string eab_key_id;
  std::string eab_binding;
};

struct ChallengeRecord {
  std::string id;
  std::string authz_id;
  std::string type;  // "http-01", "dns-01", "tls-alpn-01"
  std::string token;
  ChallengeStatus status = ChallengeStatus::pending;
  std::optional<TimePoint> validated_at;
  std::string error;  // problem document as JSON text when invalid; empty otherwise
};

struct AuthzRecord {
  std::string id;
  std::int64_t account_id = 0;
  IdentifierRecord identifier;  // without "*."; `wildcard` says whether the order asked for it
  bool wildcard = false;
  AuthzStatus status = AuthzStatus::pending;
  TimePoint expires{};
  // The profile of the order that made it: reused only by orders of the same profile, and its
  // valid lifetime is that profile's. "" for authorizations stored before profiles were kept.
  std::string profile;
  std::vector<ChallengeRecord> challenges;
};

// Which authorization Store::find_valid_authz looks for.
struct AuthzReuseQuery {
  std::int64_t account_id = 0;
  IdentifierRecord identifier;  // without "*."
  bool wildcard = false;
  TimePoint now{};                     // unexpired: expires > now
  std::optional<std::string> profile;  // only one made under this profile; nullopt: any
};

struct OrderRecord {
  std::string id;
  std::int64_t account_id = 0;
  // Stored state: pending until finalize starts, then processing, valid or invalid. The status a
  // client sees also depends on the authorizations (acme/status_rules).
  OrderStatus status = OrderStatus::pending;
  TimePoint created_at{};
  TimePoint expires{};
  std::optional<TimePoint> not_before;
  std::optional<TimePoint> not_after;
  std::vector<IdentifierRecord> identifiers;
  std::vector<std::string> authz_ids;  // in identifier order
  std::string error;                   // problem JSON when invalid
  std::string certificate_serial;      // hex, once valid
  std::string profile;
  // RFC 9773 §5: the certID of the certificate this order replaces ("" = none), as the client
  // sent it, and the serial (lowercase hex) it names.
  std::string replaces;
  std::string replaces_serial;
};

struct CertificateRecord {
  std::string serial;  // lowercase hex, unique
  std::int64_t account_id = 0;
  std::string order_id;
  std::string chain_pem;  // leaf first, then the issuer chain
  std::string key_spki;   // DER SubjectPublicKeyInfo of the certified key
  std::vector<IdentifierRecord> identifiers;
  TimePoint not_before{};
  TimePoint not_after{};
  std::optional<TimePoint> revoked_at;
  int revocation_reason = 0;
  std::string issuer;  // the intermediate that signed it (ca::IssuerInfo::id; "" for the single one)
  // The exact identifier set's key (rate limits' CertificatesPerFQDNSet id), for the renewal
  // exemption; "" for certificates issued before migration 9.
  std::string identifier_set;
};

// A revoked, unexpired certificate as a CRL lists it.
struct RevokedRecord {
  std::string serial;  // lowercase hex
  TimePoint revoked_at{};
  int reason = 0;      // RFC 5280 CRLReason
  std::string issuer;  // as CertificateRecord::issuer: whose CRL lists it
};

// A rate-limit bucket's new state (issue #15), written only if the stored TAT is still `expected`
// (nullopt: no row); `tat` nullopt deletes the row (a full bucket).
struct RateLimitBucketChange {
  std::string key;
  std::optional<TimePoint> expected;
  std::optional<TimePoint> tat;
};

// What one vantage point of a multi-perspective validation found (issue #14): the primary first,
// then each remote, named and tagged with its Regional Internet Registry.
struct PerspectiveRecord {
  std::string name;
  std::string rir;                                    // "" = not said
  ChallengeStatus result = ChallengeStatus::invalid;  // valid or invalid
  std::string problem_type;                           // URN when invalid
  std::string problem_detail;                         // when invalid
};

// One validation of one challenge, as the validation authority saw it (issue #4). The pausing
// feature and operators read these to see why a pair keeps failing.
struct ValidationAttemptRecord {
  std::int64_t id = 0;  // assigned on insert
  std::int64_t account_id = 0;
  IdentifierRecord identifier;  // without "*."
  std::string method;           // challenge type
  TimePoint started_at{};
  TimePoint finished_at{};
  ChallengeStatus result = ChallengeStatus::invalid;  // valid or invalid
  std::string problem_type;                           // URN when invalid
  std::string problem_detail;                         // when invalid
  std::vector<std::string> addresses;
  std::vector<std::string> redirects;
  std::vector<PerspectiveRecord> perspectives;  // empty when the primary validated alone
};

// Rows for Store::insert_bulk, written in one transaction. Orders and attempts name accounts by
// id, so they name accounts stored before (insert_bulk returns the new accounts' ids when done).
struct BulkOrder {
  OrderRecord order;
  std::vector<AuthzRecord> new_authzs;  // as insert_order takes them
};
struct BulkRows {
  std::vector<AccountRecord> accounts;
  std::vector<BulkOrder> orders;
  std::vector<ValidationAttemptRecord> attempts;
};

// Pause bookkeeping done in the same transaction as a validation outcome (issue #5): on a failure
// storage spends `failures` against the pair's stored TAT (a fresh bucket when there is none) and
// pauses the pair when the spend is denied; on a success it deletes the bucket. Plain data: the
// policy (which limit, which grace) is pause/'s; storage applies the GCRA maths of common/gcra.hpp.
struct PauseBookkeeping {
  std::int64_t account_id = 0;
  IdentifierRecord pair;  // the identifier as ordered: "*.example.com" is its own pair
  common::gcra::Limit failures;
  TimePoint now{};
  std::chrono::seconds grace{};  // a pair unpaused less than this ago is not re-paused
};
enum class PauseEffect { none, paused, repaused, skipped_for_grace, already_paused };

// A validation outcome as Store::finish_challenge records it, all in one transaction.
struct ChallengeOutcomeRecord {
  std::string challenge_id;
  bool valid = false;
  TimePoint at{};  // validated_at when valid
  // When valid, the authorization's new expiry (its profile's valid lifetime from `at`); nullopt
  // keeps the pending expiry.
  std::optional<TimePoint> valid_until;
  std::string error_json;  // the problem document when invalid
  std::optional<ValidationAttemptRecord> attempt;
  std::optional<PauseBookkeeping> pause;
};

// Which processing challenges claim_challenges takes.
enum class ClaimScope {
  expired_leases,  // those whose instance died (their lease ran out): several instances share the database
  all_processing,  // every one: the only instance, starting after a crash
};
struct ChallengeClaim {
  std::string owner;  // the claiming instance
  ClaimScope scope = ClaimScope::expired_leases;
  std::size_t limit = 1000;
};
struct ClaimedChallenge {
  ChallengeRecord challenge;
  int resumed = 0;  // claims so far, this one included
};

// A run-time setting an operator changed on one instance, for the others to apply (issue #16).
struct DeploymentSetting {
  std::string name;          // "chaos", "logLevel", "clock", "rateLimitOverride:<bucket key>"
  std::string value;         // JSON text
  std::int64_t version = 0;  // increases with every change in the deployment
};

// Counts over the whole database (every instance's work), for /metrics.
struct DeploymentFigures {
  std::uint64_t accounts = 0;
  std::uint64_t certificates = 0;
  std::uint64_t paused_pairs = 0;
  std::map<std::string, std::uint64_t> leased_validations;  // processing challenges by lease owner
};

// insert_order's guard for an order with `replaces` (RFC 9773): the orders the caller found
// replacing the same certificate (and judged failed). The order is stored only if these are still
// all of them, so of two orders racing to replace one certificate (on any instances) one wins.
struct ReplacementCheck {
  std::optional<std::vector<std::string>> replacing_orders;  // nullopt: no check
};

// The operator dashboard's time series (issue #17): named figures ("paused", "paused_pairs",
// "rate_limit_denied:NewOrdersPerAccount") kept per minute and per hour. A bucket starts at a
// multiple of its width in seconds since the epoch (UTC).
enum class SeriesResolution { minute, hour };
constexpr std::int64_t bucket_seconds(SeriesResolution resolution) {
  return resolution == SeriesResolution::minute ? 60 : 3600;
}
// The start of the bucket of `resolution` that holds `at`.
TimePoint bucket_start(TimePoint at, SeriesResolution resolution);

struct SeriesPoint {
  TimePoint bucket_start{};
  std::int64_t value = 0;
  bool operator==(const SeriesPoint&) const = default;
};

// Validations that finished in one bucket, by result.
struct ValidationCounts {
  TimePoint bucket_start{};
  std::uint64_t valid = 0;
  std::uint64_t invalid = 0;
};

// An account's failed validations (result invalid) in a window.
struct AccountFailures {
  std::int64_t account_id = 0;
  std::uint64_t failures = 0;
  TimePoint last_failure{};
};

// A pair that has spent failures (a pause bucket with its TAT after now) and is not paused.
struct FailingPair {
  std::int64_t account_id = 0;
  IdentifierRecord identifier;  // as ordered: "*.example.com" is its own pair
  TimePoint tat{};
};

}  // namespace cobble::storage
