#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"

namespace cobble::pause {

using common::TimePoint;

// The unpause link's token (pausing.md "The unpause link", boulder.md §3.4): a compact JWS, HS256
// over a 32-byte secret shared by the ACME front end and the portal, with claims iss "WFE",
// aud "SFE Unpause", sub = decimal account id, iat, exp, version "v1" and identifiers (comma-joined,
// shown to the person only: the portal unpauses every paused identifier of the account). The token
// is a bearer credential: never log it.

inline constexpr std::size_t kUnpauseSecretBytes = 32;
inline constexpr std::chrono::seconds kMinUnpauseLinkLifetime = std::chrono::days(14);
inline constexpr std::size_t kMaxUnpauseLinkIdentifiers = 15;
inline constexpr std::chrono::seconds kUnpauseLeeway = std::chrono::minutes(1);
// Longer tokens are refused as malformed before any decoding (15 names of 253 bytes fit easily).
inline constexpr std::size_t kMaxUnpauseTokenBytes = 16 * 1024;

struct UnpauseClaims {
  std::int64_t account_id = 0;
  std::vector<std::string> identifiers;
  TimePoint issued_at;
  TimePoint expires_at;
};

enum class TokenError {
  malformed,        // not three base64url segments of JSON objects, oversized, or a claim of the
                    // wrong type (exp/iat missing or not a date, nbf not a date, crit header)
  bad_signature,    // the HMAC does not match (wrong key, tampered token), or a secret not 32 bytes
  wrong_algorithm,  // header alg is anything but "HS256" (none, RS256, HS512, ...)
  expired,          // exp more than the leeway in the past
  not_yet_valid,    // iat or nbf more than the leeway in the future
  wrong_issuer,     // iss is not "WFE"
  wrong_audience,   // aud is not "SFE Unpause" nor an array holding it
  bad_subject,      // sub missing, not a decimal integer, or not positive
  wrong_version,    // version is not "v1"
  no_identifiers,   // identifiers missing, not a string, or only commas
};

// A stable token for logs and metrics, e.g. "bad_signature".
std::string_view to_string(TokenError error);

using TokenResult = std::expected<UnpauseClaims, TokenError>;

// Signs a token for `account_id` (> 0) naming the first kMaxUnpauseLinkIdentifiers of
// `identifiers` (at least one; none may contain ','). iat = `now` in whole seconds; exp = iat +
// max(lifetime, 14 days). Header {"alg":"HS256","typ":"JWT"} (Boulder omits typ; both verify).
// Throws std::invalid_argument when a precondition is broken (a programmer error): a secret that
// is not kUnpauseSecretBytes long, account_id ≤ 0, no identifiers, an empty one or one with a comma;
// std::runtime_error if OpenSSL's HMAC fails (out of memory).
std::string make_unpause_token(const std::string& secret, std::int64_t account_id,
                               const std::vector<std::string>& identifiers, TimePoint now,
                               std::chrono::seconds lifetime = kMinUnpauseLinkLifetime);

// Checks, in order: structure and size (malformed), alg is HS256 (wrong_algorithm), the MAC in
// constant time (bad_signature), the claims' JSON (malformed), iss, aud, nbf, exp, iat with
// kUnpauseLeeway either way, sub, version, identifiers (the errors above). The identifiers come back
// split on ',' with empty pieces dropped. Never throws.
TokenResult verify_unpause_token(const std::string& secret, std::string_view token, TimePoint now);

// kUnpauseSecretBytes bytes from the CSPRNG.
std::string new_unpause_secret();
// The key file's form: lower-case hex of the secret.
std::string unpause_secret_to_hex(std::string_view secret);
// Parses a key file's contents: surrounding whitespace is ignored, the rest must be exactly
// 2 × kUnpauseSecretBytes hex digits (either case). nullopt otherwise.
std::optional<std::string> unpause_secret_from_hex(std::string_view text);

}  // namespace cobble::pause
