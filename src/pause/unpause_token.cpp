#include "pause/unpause_token.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "common/base64url.hpp"
#include "common/random.hpp"
#include "common/text.hpp"

namespace cobble::pause {
namespace {

using nlohmann::json;

constexpr std::string_view kIssuer = "WFE";
constexpr std::string_view kAudience = "SFE Unpause";
constexpr std::string_view kVersion = "v1";
constexpr std::string_view kAlgorithm = "HS256";
// NumericDates beyond this do not fit a nanosecond TimePoint (year 2262); no real token has them.
constexpr std::int64_t kMaxNumericDate = 9'000'000'000;

using Mac = std::array<unsigned char, 32>;

// nullopt only when OpenSSL fails (out of memory).
std::optional<Mac> hmac_sha256(std::string_view key, std::string_view data) {
  Mac mac{};
  unsigned int length = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac.data(),
           &length) == nullptr ||
      length != mac.size()) {
    return std::nullopt;
  }
  return mac;
}

std::optional<json> decode_object(std::string_view segment) {
  auto bytes = common::base64url_decode(segment);
  if (!bytes) return std::nullopt;
  json value = json::parse(*bytes, nullptr, /*allow_exceptions=*/false);
  if (!value.is_object()) return std::nullopt;
  return value;
}

bool has_string(const json& object, std::string_view key, std::string_view expected) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() && it->get_ref<const std::string&>() == expected;
}

// A JWT NumericDate (RFC 7519 §2): seconds since the epoch, integer or not. nullopt when absent.
// Returns an unexpected malformed when present but not a number in range.
std::expected<std::optional<TimePoint>, TokenError> numeric_date(const json& object, std::string_view key) {
  auto it = object.find(key);
  if (it == object.end()) return std::nullopt;
  std::int64_t seconds = 0;
  if (it->is_number_integer() && !it->is_number_unsigned()) {
    seconds = it->get<std::int64_t>();
  } else if (it->is_number_unsigned()) {
    auto value = it->get<std::uint64_t>();
    if (value > static_cast<std::uint64_t>(kMaxNumericDate)) return std::unexpected(TokenError::malformed);
    seconds = static_cast<std::int64_t>(value);
  } else if (it->is_number_float()) {
    double value = it->get<double>();
    if (!std::isfinite(value) || value < 0 || value > static_cast<double>(kMaxNumericDate)) {
      return std::unexpected(TokenError::malformed);
    }
    seconds = static_cast<std::int64_t>(std::floor(value));
  } else {
    return std::unexpected(TokenError::malformed);
  }
  if (seconds < 0 || seconds > kMaxNumericDate) return std::unexpected(TokenError::malformed);
  return TimePoint(std::chrono::seconds(seconds));
}

std::optional<std::int64_t> parse_subject(const json& object) {
  auto it = object.find("sub");
  if (it == object.end() || !it->is_string()) return std::nullopt;
  const auto& text = it->get_ref<const std::string&>();
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  std::int64_t id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size() || id <= 0) return std::nullopt;
  return id;
}

std::vector<std::string> split_identifiers(std::string_view joined) {
  std::vector<std::string> out;
  while (!joined.empty()) {
    auto comma = joined.find(',');
    auto piece = joined.substr(0, comma);
    if (!piece.empty()) out.emplace_back(piece);
    if (comma == std::string_view::npos) break;
    joined.remove_prefix(comma + 1);
  }
  return out;
}

std::int64_t unix_seconds(TimePoint t) {
  return std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace

std::string_view to_string(TokenError error) {
  switch (error) {
    case TokenError::malformed:
      return "malformed";
    case TokenError::bad_signature:
      return "bad_signature";
    case TokenError::wrong_algorithm:
      return "wrong_algorithm";
    case TokenError::expired:
      return "expired";
    case TokenError::not_yet_valid:
      return "not_yet_valid";
    case TokenError::wrong_issuer:
      return "wrong_issuer";
    case TokenError::wrong_audience:
      return "wrong_audience";
    case TokenError::bad_subject:
      return "bad_subject";
    case TokenError::wrong_version:
      return "wrong_version";
    case TokenError::no_identifiers:
      return "no_identifiers";
  }
  return "unknown";
}

std::string make_unpause_token(const std::string& secret, std::int64_t account_id,
                               const std::vector<std::string>& identifiers, TimePoint now,
                               std::chrono::seconds lifetime) {
  if (secret.size() != kUnpauseSecretBytes) throw std::invalid_argument("unpause secret must be 32 bytes");
  if (account_id <= 0) throw std::invalid_argument("unpause token needs a positive account id");
  if (identifiers.empty()) throw std::invalid_argument("unpause token needs at least one identifier");

  std::string joined;
  const std::size_t listed = std::min(identifiers.size(), kMaxUnpauseLinkIdentifiers);
  for (std::size_t i = 0; i < listed; ++i) {
    const auto& identifier = identifiers[i];
    if (identifier.empty() || identifier.find(',') != std::string::npos) {
      throw std::invalid_argument("unpause token identifiers must be non-empty and comma-free");
    }
    if (i > 0) joined += ',';
    joined += identifier;
  }

  const std::int64_t issued = unix_seconds(now);
  const std::int64_t expires = issued + std::max(lifetime, kMinUnpauseLinkLifetime).count();
  const json header = {{"alg", kAlgorithm}, {"typ", "JWT"}};
  const json claims = {{"iss", kIssuer},       {"aud", kAudience}, {"sub", std::to_string(account_id)},
                       {"iat", issued},        {"exp", expires},   {"version", kVersion},
                       {"identifiers", joined}};

  std::string signing_input =
      common::base64url_encode(header.dump()) + '.' + common::base64url_encode(claims.dump());
  const auto mac = hmac_sha256(secret, signing_input);
  if (!mac) throw std::runtime_error("HMAC-SHA256 failed");
  return signing_input + '.' +
         common::base64url_encode(std::string_view(reinterpret_cast<const char*>(mac->data()), mac->size()));
}

TokenResult verify_unpause_token(const std::string& secret, std::string_view token, TimePoint now) {
  using std::unexpected;
  if (token.size() > kMaxUnpauseTokenBytes) return unexpected(TokenError::malformed);
  const auto first_dot = token.find('.');
  if (first_dot == std::string_view::npos) return unexpected(TokenError::malformed);
  const auto second_dot = token.find('.', first_dot + 1);
  if (second_dot == std::string_view::npos || token.find('.', second_dot + 1) != std::string_view::npos) {
    return unexpected(TokenError::malformed);
  }
  const std::string_view header_text = token.substr(0, first_dot);
  const std::string_view payload_text = token.substr(first_dot + 1, second_dot - first_dot - 1);
  const std::string_view signature_text = token.substr(second_dot + 1);

  const auto header = decode_object(header_text);
  const auto payload = decode_object(payload_text);
  const auto signature = common::base64url_decode(signature_text);
  if (!header || !payload || !signature || signature->empty()) return unexpected(TokenError::malformed);

  // RFC 7515 §4.1.1: alg is required; accepting anything but our one algorithm is how JWT
  // libraries get "alg":"none" and key-confusion forgeries.
  const auto alg = header->find("alg");
  if (alg == header->end() || !alg->is_string()) return unexpected(TokenError::malformed);
  if (alg->get_ref<const std::string&>() != kAlgorithm) return unexpected(TokenError::wrong_algorithm);
  // RFC 7515 §4.1.11: we understand no extensions, so a token that marks one critical is refused.
  if (header->contains("crit")) return unexpected(TokenError::malformed);

  if (secret.size() != kUnpauseSecretBytes) return unexpected(TokenError::bad_signature);
  const auto expected_mac = hmac_sha256(secret, token.substr(0, second_dot));
  if (!expected_mac || signature->size() != expected_mac->size() ||
      CRYPTO_memcmp(signature->data(), expected_mac->data(), expected_mac->size()) != 0) {
    return unexpected(TokenError::bad_signature);
  }

  const json& claims = *payload;
  if (!has_string(claims, "iss", kIssuer)) return unexpected(TokenError::wrong_issuer);
  const auto aud = claims.find("aud");
  const bool audience_ok = aud != claims.end() &&
                           ((aud->is_string() && aud->get_ref<const std::string&>() == kAudience) ||
                            (aud->is_array() && std::any_of(aud->begin(), aud->end(), [](const json& entry) {
                               return entry.is_string() && entry.get_ref<const std::string&>() == kAudience;
                             })));
  if (!audience_ok) return unexpected(TokenError::wrong_audience);

  const auto not_before = numeric_date(claims, "nbf");
  const auto expires = numeric_date(claims, "exp");
  const auto issued = numeric_date(claims, "iat");
  if (!not_before || !expires || !*expires || !issued || !*issued) return unexpected(TokenError::malformed);
  if (*not_before && now + kUnpauseLeeway < **not_before) return unexpected(TokenError::not_yet_valid);
  if (now - kUnpauseLeeway > **expires) return unexpected(TokenError::expired);
  if (now + kUnpauseLeeway < **issued) return unexpected(TokenError::not_yet_valid);

  const auto account_id = parse_subject(claims);
  if (!account_id) return unexpected(TokenError::bad_subject);
  if (!has_string(claims, "version", kVersion)) return unexpected(TokenError::wrong_version);
  const auto joined = claims.find("identifiers");
  if (joined == claims.end() || !joined->is_string()) return unexpected(TokenError::no_identifiers);
  auto identifiers = split_identifiers(joined->get_ref<const std::string&>());
  if (identifiers.empty()) return unexpected(TokenError::no_identifiers);

  return UnpauseClaims{.account_id = *account_id,
                       .identifiers = std::move(identifiers),
                       .issued_at = **issued,
                       .expires_at = **expires};
}

std::string new_unpause_secret() { return common::random_bytes(kUnpauseSecretBytes); }

std::string unpause_secret_to_hex(std::string_view secret) { return common::hex_encode(secret); }

std::optional<std::string> unpause_secret_from_hex(std::string_view text) {
  text = common::trim(text);
  if (text.empty()) return std::nullopt;
  if (text.size() != 2 * kUnpauseSecretBytes) return std::nullopt;
  const auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(kUnpauseSecretBytes);
  for (std::size_t i = 0; i < text.size(); i += 2) {
    const int high = nibble(text[i]);
    const int low = nibble(text[i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    out += static_cast<char>(high << 4 | low);
  }
  return out;
}

}  // namespace cobble::pause
