#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/base64url.hpp"
#include "pause/unpause_token.hpp"

using namespace std::chrono_literals;
using cobble::pause::make_unpause_token;
using cobble::pause::TimePoint;
using cobble::pause::TokenError;
using cobble::pause::verify_unpause_token;
using nlohmann::json;

namespace {

const TimePoint kNow = std::chrono::sys_days{std::chrono::year{2025} / 3 / 1} + 10h + 500ms;
const std::string kSecret(32, '\x42');
const std::string kOtherSecret(32, '\x43');

std::int64_t unix_seconds(TimePoint t) {
  return std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count();
}

json good_claims() {
  return {{"iss", "WFE"},
          {"aud", "SFE Unpause"},
          {"sub", "12345"},
          {"iat", unix_seconds(kNow)},
          {"exp", unix_seconds(kNow + std::chrono::days(14))},
          {"version", "v1"},
          {"identifiers", "a.example,*.b.example"}};
}

std::string b64(std::string_view bytes) { return cobble::common::base64url_encode(bytes); }

std::string hs256(std::string_view key, std::string_view input) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &length);
  return std::string(reinterpret_cast<const char*>(mac), length);
}

// A token signed with HS256 over arbitrary header and claims, to build every refusal.
std::string sign(const json& header, const json& claims, const std::string& key = kSecret) {
  std::string input = b64(header.dump()) + "." + b64(claims.dump());
  return input + "." + b64(hs256(key, input));
}

std::string sign_claims(const json& claims) { return sign({{"alg", "HS256"}, {"typ", "JWT"}}, claims); }

std::string token_error(const cobble::pause::TokenResult& result) {
  return result ? std::string("accepted") : std::string(cobble::pause::to_string(result.error()));
}

}  // namespace

TEST_CASE("an unpause token round-trips its account, identifiers and times", "[pause]") {
  const std::vector<std::string> identifiers = {"a.example", "*.b.example", "192.0.2.1"};
  auto token = make_unpause_token(kSecret, 12345, identifiers, kNow, std::chrono::days(20));
  auto claims = verify_unpause_token(kSecret, token, kNow);
  INFO(token_error(claims));
  REQUIRE(claims);
  CHECK(claims->account_id == 12345);
  CHECK(claims->identifiers == identifiers);
  CHECK(claims->issued_at == std::chrono::floor<std::chrono::seconds>(kNow));
  CHECK(claims->expires_at == std::chrono::floor<std::chrono::seconds>(kNow) + std::chrono::days(20));
}

TEST_CASE("an unpause token carries Boulder's header and claims", "[pause]") {
  auto token = make_unpause_token(kSecret, 7, {"a.example", "b.example"}, kNow);
  auto first = token.find('.');
  auto second = token.find('.', first + 1);
  auto header = json::parse(*cobble::common::base64url_decode(token.substr(0, first)));
  auto claims = json::parse(*cobble::common::base64url_decode(token.substr(first + 1, second - first - 1)));
  CHECK(header == json({{"alg", "HS256"}, {"typ", "JWT"}}));
  CHECK(claims["iss"] == "WFE");
  CHECK(claims["aud"] == "SFE Unpause");
  CHECK(claims["sub"] == "7");
  CHECK(claims["version"] == "v1");
  CHECK(claims["identifiers"] == "a.example,b.example");
  CHECK(claims["iat"] == unix_seconds(kNow));
  CHECK(claims["exp"] == unix_seconds(kNow) + 14 * 86400);
  CHECK_FALSE(claims.contains("nbf"));
}

TEST_CASE("a lifetime below 14 days is raised to 14 days", "[pause]") {
  auto lifetime = GENERATE(as<std::chrono::seconds>{}, 0s, 1h, std::chrono::days(13), -10s);
  CAPTURE(lifetime.count());
  auto claims =
      verify_unpause_token(kSecret, make_unpause_token(kSecret, 1, {"a.example"}, kNow, lifetime), kNow);
  REQUIRE(claims);
  CHECK(claims->expires_at - claims->issued_at == std::chrono::days(14));
}

TEST_CASE("an unpause token names at most 15 identifiers", "[pause]") {
  std::vector<std::string> many;
  for (int i = 0; i < 40; ++i) many.push_back("n" + std::to_string(i) + ".example");
  auto claims = verify_unpause_token(kSecret, make_unpause_token(kSecret, 1, many, kNow), kNow);
  REQUIRE(claims);
  CHECK(claims->identifiers == std::vector<std::string>(many.begin(), many.begin() + 15));
}

TEST_CASE("making an unpause token with a broken precondition throws", "[pause]") {
  CHECK_THROWS_AS(make_unpause_token(std::string(16, 'k'), 1, {"a.example"}, kNow), std::invalid_argument);
  CHECK_THROWS_AS(make_unpause_token(kSecret, 0, {"a.example"}, kNow), std::invalid_argument);
  CHECK_THROWS_AS(make_unpause_token(kSecret, -4, {"a.example"}, kNow), std::invalid_argument);
  CHECK_THROWS_AS(make_unpause_token(kSecret, 1, {}, kNow), std::invalid_argument);
  CHECK_THROWS_AS(make_unpause_token(kSecret, 1, {"a,b"}, kNow), std::invalid_argument);
  CHECK_THROWS_AS(make_unpause_token(kSecret, 1, {""}, kNow), std::invalid_argument);
}

TEST_CASE("the expiry and issue time allow one minute of leeway", "[pause]") {
  auto [offset, expected] = GENERATE(table<std::chrono::seconds, std::string>({
      {-30s, "accepted"},  // exp 30 s ago
      {-60s, "accepted"},  // exactly the leeway
      {-61s, "expired"},
      {-120s, "expired"},  // 2 min ago
      {0s, "accepted"},
  }));
  CAPTURE(offset.count());
  auto claims = good_claims();
  claims["iat"] = unix_seconds(kNow) - 14 * 86400;
  claims["exp"] = unix_seconds(kNow) + offset.count();
  // kNow carries half a second; compare at a whole second so the boundary cases are exact.
  const TimePoint now = std::chrono::floor<std::chrono::seconds>(kNow);
  CHECK(token_error(verify_unpause_token(kSecret, sign_claims(claims), now)) == expected);
}

TEST_CASE("a token issued or starting in the future beyond the leeway is not yet valid", "[pause]") {
  auto [claim, offset, expected] = GENERATE(table<std::string, std::chrono::seconds, std::string>({
      {"iat", 30s, "accepted"},
      {"iat", 2min, "not_yet_valid"},
      {"nbf", 30s, "accepted"},
      {"nbf", 2min, "not_yet_valid"},
      {"nbf", -1h, "accepted"},
  }));
  CAPTURE(claim, offset.count());
  auto claims = good_claims();
  claims[claim] = unix_seconds(kNow) + offset.count();
  CHECK(token_error(verify_unpause_token(kSecret, sign_claims(claims), kNow)) == expected);
}

TEST_CASE("every wrong claim is refused with its own error", "[pause]") {
  auto [name, member, value, expected] = GENERATE(table<std::string, std::string, json, std::string>({
      {"wrong issuer", "iss", "SFE", "wrong_issuer"},
      {"issuer not a string", "iss", json::array({"WFE"}), "wrong_issuer"},
      {"wrong audience", "aud", "WFE", "wrong_audience"},
      {"audience list without ours", "aud", json::array({"x", "y"}), "wrong_audience"},
      {"audience list with ours", "aud", json::array({"x", "SFE Unpause"}), "accepted"},
      {"subject zero", "sub", "0", "bad_subject"},
      {"subject negative", "sub", "-1", "bad_subject"},
      {"subject not a number", "sub", "abc", "bad_subject"},
      {"subject empty", "sub", "", "bad_subject"},
      {"subject with a plus", "sub", "+5", "bad_subject"},
      {"subject with a space", "sub", " 5", "bad_subject"},
      {"subject beyond int64", "sub", "9223372036854775808", "bad_subject"},
      {"subject as a number", "sub", 12345, "bad_subject"},
      {"wrong version", "version", "v2", "wrong_version"},
      {"empty version", "version", "", "wrong_version"},
      {"empty identifiers", "identifiers", "", "no_identifiers"},
      {"only commas", "identifiers", ",,", "no_identifiers"},
      {"identifiers as a list", "identifiers", json::array({"a.example"}), "no_identifiers"},
      {"expiry as a string", "exp", "tomorrow", "malformed"},
      {"expiry negative", "exp", -5, "malformed"},
      {"expiry absurdly far", "exp", 1e300, "malformed"},
      {"expiry fractional", "exp", 1e10 / 5, "accepted"},
      {"issued-at as null", "iat", nullptr, "malformed"},
  }));
  CAPTURE(name);
  auto claims = good_claims();
  claims[member] = value;
  CHECK(token_error(verify_unpause_token(kSecret, sign_claims(claims), kNow)) == expected);
}

TEST_CASE("a missing claim is refused", "[pause]") {
  auto [member, expected] = GENERATE(table<std::string, std::string>({
      {"iss", "wrong_issuer"},
      {"aud", "wrong_audience"},
      {"sub", "bad_subject"},
      {"iat", "malformed"},
      {"exp", "malformed"},
      {"version", "wrong_version"},
      {"identifiers", "no_identifiers"},
  }));
  CAPTURE(member);
  auto claims = good_claims();
  claims.erase(member);
  CHECK(token_error(verify_unpause_token(kSecret, sign_claims(claims), kNow)) == expected);
}

TEST_CASE("only HS256 is accepted", "[pause]") {
  auto [header, expected] = GENERATE(table<json, std::string>({
      {json{{"alg", "none"}}, "wrong_algorithm"},
      {json{{"alg", "RS256"}}, "wrong_algorithm"},
      {json{{"alg", "HS512"}}, "wrong_algorithm"},
      {json{{"alg", "hs256"}}, "wrong_algorithm"},
      {json{{"alg", 256}}, "malformed"},
      {json{{"typ", "JWT"}}, "malformed"},
      {json{{"alg", "HS256"}, {"crit", json::array({"exp"})}}, "malformed"},
      {json{{"alg", "HS256"}}, "accepted"},  // Boulder's header, without typ
  }));
  CAPTURE(header.dump());
  CHECK(token_error(verify_unpause_token(kSecret, sign(header, good_claims()), kNow)) == expected);
}

TEST_CASE("an unsigned token is refused", "[pause]") {
  std::string input = b64(R"({"alg":"none"})") + "." + b64(good_claims().dump());
  CHECK(token_error(verify_unpause_token(kSecret, input + ".", kNow)) == "malformed");
  CHECK(token_error(verify_unpause_token(kSecret, input + "." + b64("x"), kNow)) == "wrong_algorithm");
}

TEST_CASE("a token signed with another key or tampered with is refused", "[pause]") {
  auto token = make_unpause_token(kSecret, 12345, {"a.example"}, kNow);
  CHECK(token_error(verify_unpause_token(kOtherSecret, token, kNow)) == "bad_signature");

  // Same header and signature, claims for another account.
  auto first = token.find('.');
  auto second = token.find('.', first + 1);
  auto claims = good_claims();
  claims["sub"] = "1";
  auto tampered = token.substr(0, first + 1) + b64(claims.dump()) + token.substr(second);
  CHECK(token_error(verify_unpause_token(kSecret, tampered, kNow)) == "bad_signature");

  // A truncated or extended MAC.
  CHECK(token_error(verify_unpause_token(kSecret, token.substr(0, token.size() - 3), kNow)) ==
        "bad_signature");
  CHECK(token_error(verify_unpause_token(kSecret, token + "AAAA", kNow)) == "bad_signature");
  // A secret of the wrong size is never accepted, even one the token was signed with.
  CHECK(token_error(verify_unpause_token("", sign_claims(good_claims()), kNow)) == "bad_signature");
}

TEST_CASE("a token that is not three base64url segments of JSON objects is malformed", "[pause]") {
  const auto good = make_unpause_token(kSecret, 12345, {"a.example"}, kNow);
  const auto first = good.find('.');
  const auto second = good.find('.', first + 1);
  auto [name, token] = GENERATE_COPY(table<std::string, std::string>({
      {"empty", ""},
      {"one segment", good.substr(0, first)},
      {"two segments", good.substr(0, second)},
      {"four segments", good + ".AAAA"},
      {"empty signature", good.substr(0, second + 1)},
      {"padding", good + "="},
      {"bad base64 in the header", "e*J" + good.substr(3)},
      {"bad base64 in the payload", good.substr(0, first + 1) + "!" + good.substr(first + 2)},
      {"standard base64 in the signature", good.substr(0, second + 1) + "ab+/"},
      {"header not JSON", b64("alg=HS256") + good.substr(first)},
      {"header a JSON array", b64(R"(["HS256"])") + good.substr(first)},
      {"payload a JSON string", sign({{"alg", "HS256"}}, "claims")},
      {"oversized", good + std::string(20000, 'A')},
      {"dots only", ".."},
  }));
  CAPTURE(name);
  CHECK(token_error(verify_unpause_token(kSecret, token, kNow)) == "malformed");
}

TEST_CASE("the unpause secret is 32 random bytes kept as hex", "[pause]") {
  auto secret = cobble::pause::new_unpause_secret();
  CHECK(secret.size() == 32);
  CHECK(secret != cobble::pause::new_unpause_secret());
  auto hex = cobble::pause::unpause_secret_to_hex(secret);
  CHECK(hex.size() == 64);
  CHECK(cobble::pause::unpause_secret_from_hex(hex) == secret);
  CHECK(cobble::pause::unpause_secret_from_hex("  " + hex + "\n") == secret);
  std::string upper = hex;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  CHECK(cobble::pause::unpause_secret_from_hex(upper) == secret);
}

TEST_CASE("a key file that is not hex of exactly 32 bytes is refused", "[pause]") {
  auto text = GENERATE(std::string(""), std::string("   \n"), std::string(62, 'a'), std::string(66, 'a'),
                       std::string(63, 'a') + "g", std::string(32, 'a') + " " + std::string(32, 'a'),
                       std::string("0x") + std::string(62, 'a'));
  CAPTURE(text);
  CHECK_FALSE(cobble::pause::unpause_secret_from_hex(text));
}
