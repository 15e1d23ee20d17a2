#include <openssl/err.h>

#include <catch2/catch.hpp>
#include <string>

#include "acme/jws.hpp"
#include "acme/problem.hpp"
#include "common/base64url.hpp"
#include "support/problem_matchers.hpp"

using cobble::acme::Jws;
using cobble::acme::PrivateKey;
using cobble::acme::Problem;
using cobble::acme::ProblemType;
using cobble::acme::PublicKey;
using cobble::common::base64url_decode;
using cobble::common::base64url_encode;
using cobble::test::IsProblem;
using nlohmann::json;

namespace {

std::string b64(std::string_view s) { return base64url_encode(s); }
std::string unb64(std::string_view s) { return base64url_decode(s).value(); }

// RFC 7638 §3.1.
const json kRfc7638Jwk = {
    {"kty", "RSA"},
    {"n",
     "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_"
     "BJECPebWKRXjBZCiFV4n3oknjh"
     "Mstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_"
     "FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQ"
     "vRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-"
     "kEgU8awapJzK"
     "nqDKgw"},
    {"e", "AQAB"},
    {"alg", "RS256"},
    {"kid", "2011-04-29"},
};

// RFC 8037 Appendix A.1/A.2 (public part).
const json kRfc8037Jwk = {
    {"kty", "OKP"}, {"crv", "Ed25519"}, {"x", "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}};
constexpr std::string_view kRfc8037D = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
constexpr std::string_view kRfc8037Input = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc";
constexpr std::string_view kRfc8037Signature =
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";

// RFC 7515 Appendix A.3.
const json kRfc7515A3Jwk = {{"kty", "EC"},
                            {"crv", "P-256"},
                            {"x", "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU"},
                            {"y", "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}};
constexpr std::string_view kRfc7515A3Input =
    "eyJhbGciOiJFUzI1NiJ9."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
constexpr std::string_view kRfc7515A3Signature =
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";

PublicKey key_from(const json& jwk) {
  auto key = PublicKey::from_jwk(jwk);
  if (!key) FAIL("from_jwk refused " << jwk.dump() << ": " << cobble::acme::to_json(key.error()).dump());
  return *key;
}

// An RSA JWK with a modulus of `bits` bits (top bit set, odd); fine for checks made before import.
json rsa_jwk_with_bits(int bits) {
  std::string n(static_cast<std::size_t>((bits + 7) / 8), '\0');
  n.front() = static_cast<char>(1u << ((bits - 1) % 8));
  n.back() |= 1;
  return {{"kty", "RSA"}, {"n", b64(n)}, {"e", "AQAB"}};
}

// A flattened JWS body around `header` with a placeholder signature (parse_jws does not verify).
std::string body_with(const json& header, std::string_view payload = "{}") {
  return json{{"protected", b64(header.dump())}, {"payload", b64(payload)}, {"signature", b64("sig")}}.dump();
}

json good_header() {
  return {{"alg", "ES256"},
          {"kid", "https://ca.test/acct/1"},
          {"nonce", "abc"},
          {"url", "https://ca.test/new-order"}};
}

std::string kind_name(PrivateKey::Kind kind) {
  switch (kind) {
    case PrivateKey::Kind::es256:
      return "es256";
    case PrivateKey::Kind::es384:
      return "es384";
    case PrivateKey::Kind::es512:
      return "es512";
    case PrivateKey::Kind::rs256:
      return "rs256";
    case PrivateKey::Kind::eddsa:
      return "eddsa";
  }
  return "?";
}

}  // namespace

TEST_CASE("the RFC 7638 example RSA key has the thumbprint the RFC gives", "[acme]") {
  PublicKey key = key_from(kRfc7638Jwk);
  CHECK(key.kty() == "RSA");
  CHECK(key.bits() == 2048);
  CHECK(key.thumbprint() == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
  // Only the required members, so alg and kid do not change the thumbprint.
  CHECK(key.to_jwk() == json{{"e", "AQAB"}, {"kty", "RSA"}, {"n", kRfc7638Jwk["n"]}});
}

TEST_CASE("the RFC 8037 Ed25519 example verifies and has the RFC's thumbprint", "[acme]") {
  PublicKey key = key_from(kRfc8037Jwk);
  CHECK(key.kty() == "OKP");
  CHECK(key.thumbprint() == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
  CHECK(key.to_jwk() == kRfc8037Jwk);
  CHECK(key.accepts_alg("EdDSA"));
  CHECK(key.verify("EdDSA", kRfc8037Input, unb64(kRfc8037Signature)));

  std::string tampered = unb64(kRfc8037Signature);
  tampered[10] ^= 1;
  CHECK_FALSE(key.verify("EdDSA", kRfc8037Input, tampered));
  CHECK_FALSE(key.verify("EdDSA", std::string(kRfc8037Input) + "x", unb64(kRfc8037Signature)));
}

TEST_CASE("the RFC 8037 Ed25519 private key signs exactly the RFC's signature", "[acme]") {
  // PKCS#8 (RFC 8410 §7) around the A.1 private key: Ed25519 signatures are deterministic.
  std::string der = unb64("MC4CAQAwBQYDK2VwBCIEIA") + unb64(kRfc8037D);
  REQUIRE(der.size() == 48);
  std::string pem =
      "-----BEGIN PRIVATE KEY-----\n" + cobble::common::base64_encode(der) + "\n-----END PRIVATE KEY-----\n";
  auto key = PrivateKey::from_pem(pem);
  REQUIRE(key);
  CHECK(key->alg() == "EdDSA");
  CHECK(key->public_key().to_jwk() == kRfc8037Jwk);
  CHECK(b64(key->sign(kRfc8037Input)) == kRfc8037Signature);
}

TEST_CASE("the RFC 7515 A.3 ES256 example verifies and fails when one signature byte changes", "[acme]") {
  PublicKey key = key_from(kRfc7515A3Jwk);
  CHECK(key.kty() == "EC");
  CHECK(key.to_jwk() == kRfc7515A3Jwk);
  std::string signature = unb64(kRfc7515A3Signature);
  REQUIRE(signature.size() == 64);
  CHECK(key.verify("ES256", kRfc7515A3Input, signature));

  auto index = GENERATE(0, 31, 32, 63);
  CAPTURE(index);
  std::string changed = signature;
  changed[static_cast<std::size_t>(index)] ^= 0x01;
  CHECK_FALSE(key.verify("ES256", kRfc7515A3Input, changed));
}

TEST_CASE("an ECDSA signature of the wrong length or in DER does not verify", "[acme]") {
  PublicKey key = key_from(kRfc7515A3Jwk);
  std::string signature = unb64(kRfc7515A3Signature);
  CHECK_FALSE(key.verify("ES256", kRfc7515A3Input, signature.substr(0, 63)));
  CHECK_FALSE(key.verify("ES256", kRfc7515A3Input, signature + '\0'));
  CHECK_FALSE(key.verify("ES256", kRfc7515A3Input, ""));
  // The DER form of the same (r, s): SEQUENCE { INTEGER r, INTEGER s }, both with a high bit clear.
  std::string r = signature.substr(0, 32), s = signature.substr(32);
  auto integer = [](std::string v) {
    if (static_cast<unsigned char>(v[0]) & 0x80) v.insert(v.begin(), '\0');
    return std::string{'\x02', static_cast<char>(v.size())} + v;
  };
  std::string body = integer(r) + integer(s);
  std::string der = std::string{'\x30', static_cast<char>(body.size())} + body;
  CHECK_FALSE(key.verify("ES256", kRfc7515A3Input, der));
  CHECK_FALSE(key.verify("ES384", kRfc7515A3Input, signature));
}

TEST_CASE("each key type accepts only its own JWS algorithm", "[acme]") {
  auto [kind, alg, bits] = GENERATE(table<PrivateKey::Kind, std::string, int>({
      {PrivateKey::Kind::es256, "ES256", 256},
      {PrivateKey::Kind::es384, "ES384", 384},
      {PrivateKey::Kind::es512, "ES512", 521},
      {PrivateKey::Kind::rs256, "RS256", 2048},
      {PrivateKey::Kind::eddsa, "EdDSA", 256},
  }));
  CAPTURE(kind_name(kind), alg);
  PrivateKey key = PrivateKey::generate(kind);
  CHECK(key.alg() == alg);
  PublicKey pub = key.public_key();
  CHECK(pub.bits() == bits);
  for (const auto& other :
       {"RS256", "ES256", "ES384", "ES512", "EdDSA", "none", "HS256", "PS256", "RS512", ""}) {
    CAPTURE(other);
    CHECK(pub.accepts_alg(other) == (alg == other));
  }
}

TEST_CASE("a JWS signed by each kind of key parses and verifies, and fails once tampered with", "[acme]") {
  auto [kind, signature_size] = GENERATE(table<PrivateKey::Kind, std::size_t>({
      {PrivateKey::Kind::es256, 64},
      {PrivateKey::Kind::es384, 96},
      {PrivateKey::Kind::es512, 132},
      {PrivateKey::Kind::rs256, 256},
      {PrivateKey::Kind::eddsa, 64},
  }));
  CAPTURE(kind_name(kind));
  PrivateKey key = PrivateKey::generate(kind);
  PublicKey pub = key.public_key();
  json header{{"jwk", pub.to_jwk()}, {"nonce", "n0nce"}, {"url", "https://ca.test/new-account"}};
  std::string body = sign_jws(key, header, R"({"termsOfServiceAgreed":true})");

  auto jws = cobble::acme::parse_jws(body);
  REQUIRE(jws);
  CHECK(jws->alg == key.alg());
  CHECK(jws->nonce == "n0nce");
  CHECK(jws->url == "https://ca.test/new-account");
  CHECK(jws->kid.empty());
  CHECK(jws->payload == R"({"termsOfServiceAgreed":true})");
  CHECK(jws->signature.size() == signature_size);
  REQUIRE(jws->jwk);
  PublicKey from_header = key_from(*jws->jwk);
  CHECK(from_header.spki_der() == pub.spki_der());
  CHECK(from_header.thumbprint() == pub.thumbprint());
  CHECK(verify_jws(*jws, from_header));

  Jws tampered = *jws;
  tampered.signing_input += "x";
  auto refused = verify_jws(tampered, from_header);
  REQUIRE_FALSE(refused);
  CHECK_THAT(refused.error(), IsProblem(ProblemType::malformed, "JWS verification error"));

  tampered = *jws;
  tampered.signature.back() ^= 0x40;
  CHECK_FALSE(verify_jws(tampered, from_header));
}

TEST_CASE("a private key survives a PKCS#8 PEM round trip", "[acme]") {
  auto kind = GENERATE(PrivateKey::Kind::es256, PrivateKey::Kind::es384, PrivateKey::Kind::es512,
                       PrivateKey::Kind::rs256, PrivateKey::Kind::eddsa);
  CAPTURE(kind_name(kind));
  PrivateKey key = PrivateKey::generate(kind);
  std::string pem = key.to_pem();
  CHECK(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
  auto again = PrivateKey::from_pem(pem);
  REQUIRE(again);
  CHECK(again->alg() == key.alg());
  CHECK(again->public_key().spki_der() == key.public_key().spki_der());
  CHECK(key.public_key().verify(key.alg(), "hello", again->sign("hello")));
}

TEST_CASE("from_pem refuses text that is not a private key", "[acme]") {
  CHECK_FALSE(PrivateKey::from_pem(""));
  CHECK_FALSE(PrivateKey::from_pem("not a pem"));
  CHECK_FALSE(PrivateKey::from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"));
}

TEST_CASE("a public key round-trips through SubjectPublicKeyInfo DER and garbage is refused", "[acme]") {
  PublicKey key = key_from(kRfc7515A3Jwk);
  std::string der = key.spki_der();
  auto again = PublicKey::from_spki_der(der);
  REQUIRE(again);
  CHECK(again->to_jwk() == kRfc7515A3Jwk);
  CHECK_FALSE(PublicKey::from_spki_der(""));
  CHECK_FALSE(PublicKey::from_spki_der("garbage"));
  CHECK_FALSE(PublicKey::from_spki_der(der + "x"));
  CHECK_FALSE(PublicKey::from_spki_der(der.substr(0, der.size() - 1)));
}

TEST_CASE("from_jwk refuses keys that are malformed, weak, unsupported or private", "[acme]") {
  json ec = kRfc7515A3Jwk;
  json rsa = kRfc7638Jwk;
  json okp = kRfc8037Jwk;
  auto with = [](json jwk, const std::string& name, json value) {
    jwk[name] = std::move(value);
    return jwk;
  };
  auto without = [](json jwk, const std::string& name) {
    jwk.erase(name);
    return jwk;
  };
  std::string off_curve_y = unb64(ec["y"].get<std::string>());
  off_curve_y.back() ^= 1;

  auto [label, jwk, type, detail] = GENERATE_COPY(table<std::string, json, ProblemType, std::string>({
      {"an array", json::array(), ProblemType::malformed, "JSON object"},
      {"a string", json("RSA"), ProblemType::malformed, "JSON object"},
      {"no kty", without(rsa, "kty"), ProblemType::malformed, "\"kty\""},
      {"a numeric kty", with(rsa, "kty", 1), ProblemType::malformed, "\"kty\" must be a string"},
      {"kty oct", json{{"kty", "oct"}, {"k", "AAAA"}}, ProblemType::bad_public_key,
       "\"oct\" is not supported"},
      {"RSA without n", without(rsa, "n"), ProblemType::malformed, "\"n\""},
      {"RSA without e", without(rsa, "e"), ProblemType::malformed, "\"e\""},
      {"a numeric n", with(rsa, "n", 12345), ProblemType::malformed, "\"n\" must be a string"},
      {"n that is not base64url", with(rsa, "n", "a+b/"), ProblemType::malformed, "base64url"},
      {"n with padding", with(rsa, "n", "AQAB="), ProblemType::malformed, "base64url"},
      {"a 1024-bit RSA key", rsa_jwk_with_bits(1024), ProblemType::bad_public_key,
       "RSA keys must be at least 2048 bits; this one has 1024"},
      {"a 2047-bit RSA key", rsa_jwk_with_bits(2047), ProblemType::bad_public_key, "this one has 2047"},
      {"a 8200-bit RSA key", rsa_jwk_with_bits(8200), ProblemType::bad_public_key, "at most 8192 bits"},
      {"an even RSA modulus", with(rsa, "n", b64(std::string(1, '\x80') + std::string(255, '\0'))),
       ProblemType::bad_public_key, "modulus"},
      {"an even exponent", with(rsa, "e", "AQAA"), ProblemType::bad_public_key, "exponent"},
      {"exponent 1", with(rsa, "e", "AQ"), ProblemType::bad_public_key, "exponent"},
      {"RSA with d", with(rsa, "d", "AQAB"), ProblemType::bad_public_key, "private member \"d\""},
      {"RSA with p", with(rsa, "p", "AQAB"), ProblemType::bad_public_key, "\"p\""},
      {"RSA with q", with(rsa, "q", "AQAB"), ProblemType::bad_public_key, "\"q\""},
      {"RSA with dp", with(rsa, "dp", "AQAB"), ProblemType::bad_public_key, "\"dp\""},
      {"RSA with dq", with(rsa, "dq", "AQAB"), ProblemType::bad_public_key, "\"dq\""},
      {"RSA with qi", with(rsa, "qi", "AQAB"), ProblemType::bad_public_key, "\"qi\""},
      {"EC with d", with(ec, "d", "jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"), ProblemType::bad_public_key,
       "private member \"d\""},
      {"OKP with d", with(okp, "d", std::string(kRfc8037D)), ProblemType::bad_public_key,
       "private member \"d\""},
      {"EC without crv", without(ec, "crv"), ProblemType::malformed, "\"crv\""},
      {"a numeric crv", with(ec, "crv", 256), ProblemType::malformed, "\"crv\" must be a string"},
      {"curve P-192", with(ec, "crv", "P-192"), ProblemType::bad_public_key, "\"P-192\" is not supported"},
      {"curve secp256k1", with(ec, "crv", "secp256k1"), ProblemType::bad_public_key, "not supported"},
      {"EC without y", without(ec, "y"), ProblemType::malformed, "\"y\""},
      {"a numeric x", with(ec, "x", 7), ProblemType::malformed, "\"x\" must be a string"},
      {"a 31-byte x", with(ec, "x", b64(std::string(31, '\x01'))), ProblemType::bad_public_key,
       "must be 32 bytes; this one has 31"},
      {"a P-256 point under P-384", with(ec, "crv", "P-384"), ProblemType::bad_public_key,
       "must be 48 bytes"},
      {"a point off the curve", with(ec, "y", b64(off_curve_y)), ProblemType::bad_public_key,
       "not on curve P-256"},
      {"OKP curve X25519", with(okp, "crv", "X25519"), ProblemType::bad_public_key,
       "\"X25519\" is not supported"},
      {"OKP curve Ed448", with(okp, "crv", "Ed448"), ProblemType::bad_public_key, "not supported"},
      {"OKP without x", without(okp, "x"), ProblemType::malformed, "\"x\""},
      {"a 31-byte Ed25519 x", with(okp, "x", b64(std::string(31, '\x01'))), ProblemType::bad_public_key,
       "must be 32 bytes; this one has 31"},
  }));
  CAPTURE(label, jwk.dump());
  auto key = PublicKey::from_jwk(jwk);
  REQUIRE_FALSE(key);
  CHECK_THAT(key.error(), IsProblem(type, detail));
}

TEST_CASE("from_jwk ignores optional members such as alg, kid and use", "[acme]") {
  json jwk = kRfc7515A3Jwk;
  jwk["alg"] = "ES256";
  jwk["kid"] = 42;  // not a string, but not something Cobble reads
  jwk["use"] = "sig";
  CHECK(key_from(jwk).to_jwk() == kRfc7515A3Jwk);
}

TEST_CASE("parse_jws refuses bodies that break RFC 8555 §6.2", "[acme]") {
  auto header_with = [](const std::string& name, json value) {
    json h = good_header();
    h[name] = std::move(value);
    return body_with(h);
  };
  auto header_without = [](const std::string& name) {
    json h = good_header();
    h.erase(name);
    return body_with(h);
  };
  json good = json::parse(body_with(good_header()));
  auto body_plus = [&](const std::string& name, json value) {
    json b = good;
    b[name] = std::move(value);
    return b.dump();
  };
  auto body_minus = [&](const std::string& name) {
    json b = good;
    b.erase(name);
    return b.dump();
  };
  json both = good_header();
  both["jwk"] = kRfc7515A3Jwk;

  auto [label, body, type, detail] = GENERATE_COPY(table<std::string, std::string, ProblemType, std::string>({
      {"not JSON", "{\"protected\":", ProblemType::malformed, "not valid JSON"},
      {"an empty body", "", ProblemType::malformed, "not valid JSON"},
      {"a JSON array", "[]", ProblemType::malformed, "JSON object"},
      {"the compact serialization", "\"eyJhbGciOiJFUzI1NiJ9.e30.c2ln\"", ProblemType::malformed,
       "JSON object"},
      {"the general serialization", body_plus("signatures", json::array()), ProblemType::malformed,
       "flattened"},
      {"an unprotected header", body_plus("header", json{{"kid", "x"}}), ProblemType::malformed,
       "\"header\""},
      {"an extra member", body_plus("extra", 1), ProblemType::malformed, "\"extra\""},
      {"no protected", body_minus("protected"), ProblemType::malformed, "\"protected\""},
      {"no payload", body_minus("payload"), ProblemType::malformed, "\"payload\""},
      {"no signature", body_minus("signature"), ProblemType::malformed, "\"signature\""},
      {"a protected object", body_plus("protected", good_header()), ProblemType::malformed,
       "must be a string"},
      {"a numeric payload", body_plus("payload", 1), ProblemType::malformed, "must be a string"},
      {"a null signature", body_plus("signature", nullptr), ProblemType::malformed, "must be a string"},
      {"protected with padding", body_plus("protected", b64(good_header().dump()) + "="),
       ProblemType::malformed, "base64url"},
      {"payload in standard base64", body_plus("payload", "e30+/w"), ProblemType::malformed, "base64url"},
      {"a signature in standard base64", body_plus("signature", "c2ln+/"), ProblemType::malformed,
       "base64url"},
      {"protected that is not JSON", body_plus("protected", b64("{alg")), ProblemType::malformed,
       "JSON object"},
      {"protected that is an array", body_plus("protected", b64("[]")), ProblemType::malformed,
       "JSON object"},
      {"protected with bad UTF-8", body_plus("protected", b64("{\"alg\":\"\xff\"}")), ProblemType::malformed,
       "JSON object"},
      {"no alg", header_without("alg"), ProblemType::malformed, "no \"alg\""},
      {"a numeric alg", header_with("alg", 256), ProblemType::malformed, "\"alg\" must be a string"},
      {"alg none", header_with("alg", "none"), ProblemType::bad_signature_algorithm, "\"none\""},
      {"alg HS256", header_with("alg", "HS256"), ProblemType::bad_signature_algorithm, "\"HS256\""},
      {"alg HS384", header_with("alg", "HS384"), ProblemType::bad_signature_algorithm, "\"HS384\""},
      {"alg HS512", header_with("alg", "HS512"), ProblemType::bad_signature_algorithm, "\"HS512\""},
      {"alg PS256", header_with("alg", "PS256"), ProblemType::bad_signature_algorithm, "\"PS256\""},
      {"alg RS512", header_with("alg", "RS512"), ProblemType::bad_signature_algorithm, "\"RS512\""},
      {"alg es256 in lower case", header_with("alg", "es256"), ProblemType::bad_signature_algorithm,
       "\"es256\""},
      {"both jwk and kid", body_with(both), ProblemType::malformed, "both \"jwk\" and \"kid\""},
      {"neither jwk nor kid", header_without("kid"), ProblemType::malformed, "neither"},
      {"a string jwk", header_with("jwk", "key"), ProblemType::malformed, "\"jwk\""},
      {"a numeric kid", header_with("kid", 1), ProblemType::malformed, "\"kid\" must be a string"},
      {"b64 false", header_with("b64", false), ProblemType::malformed, "\"b64\""},
      {"b64 true", header_with("b64", true), ProblemType::malformed, "\"b64\""},
      {"crit naming b64", header_with("crit", json::array({"b64"})), ProblemType::malformed, "\"crit\""},
      {"an empty crit", header_with("crit", json::array()), ProblemType::malformed, "\"crit\""},
      {"no nonce", header_without("nonce"), ProblemType::bad_nonce, "JWS has no anti-replay nonce"},
      {"a numeric nonce", header_with("nonce", 1), ProblemType::malformed, "\"nonce\" must be a string"},
      {"no url", header_without("url"), ProblemType::malformed, "no \"url\""},
      {"a url object", header_with("url", json::object()), ProblemType::malformed,
       "\"url\" must be a string"},
  }));
  CAPTURE(label, body);
  auto jws = cobble::acme::parse_jws(body);
  REQUIRE_FALSE(jws);
  CHECK_THAT(jws.error(), IsProblem(type, detail));
  if (type == ProblemType::bad_signature_algorithm) {
    CHECK(jws.error().algorithms == std::vector<std::string>{"RS256", "ES256", "ES384", "ES512", "EdDSA"});
  }
}

TEST_CASE("parse_jws lists the supported algorithms in order", "[acme]") {
  CHECK(cobble::acme::supported_algorithms() ==
        std::vector<std::string>{"RS256", "ES256", "ES384", "ES512", "EdDSA"});
}

TEST_CASE("parse_jws accepts a JWS without nonce when none is required", "[acme]") {
  json header = good_header();
  header.erase("nonce");
  auto jws = cobble::acme::parse_jws(body_with(header), /*require_nonce=*/false);
  REQUIRE(jws);
  CHECK(jws->nonce.empty());
  CHECK(jws->kid == "https://ca.test/acct/1");
  CHECK_FALSE(jws->jwk);
}

TEST_CASE("parse_jws keeps the signing input exactly as received and decodes POST-as-GET", "[acme]") {
  // Whitespace and member order in the protected header are the client's; the signature covers them.
  std::string protected_b64 =
      b64("{ \"url\": \"https://ca.test/order/1\", \"nonce\": \"n\", \"kid\": \"k\", \"alg\": \"EdDSA\" }");
  std::string body = json{{"protected", protected_b64}, {"payload", ""}, {"signature", b64("s")}}.dump();
  auto jws = cobble::acme::parse_jws(body);
  REQUIRE(jws);
  CHECK(jws->signing_input == protected_b64 + ".");
  CHECK(jws->payload.empty());
  CHECK(jws->alg == "EdDSA");
  CHECK(jws->url == "https://ca.test/order/1");
  CHECK(jws->protected_header.at("kid") == "k");
  CHECK(jws->signature == "s");
}

TEST_CASE("a POST-as-GET signed with sign_jws verifies", "[acme]") {
  PrivateKey key = PrivateKey::generate(PrivateKey::Kind::es256);
  std::string body = sign_jws(key, json{{"kid", "k"}, {"nonce", "n"}, {"url", "u"}}, "");
  CHECK(json::parse(body).at("payload") == "");
  auto jws = cobble::acme::parse_jws(body);
  REQUIRE(jws);
  CHECK(jws->payload.empty());
  CHECK(verify_jws(*jws, key.public_key()));
}

TEST_CASE("verify_jws refuses an alg that does not match the key's type", "[acme]") {
  PrivateKey key = PrivateKey::generate(PrivateKey::Kind::es256);
  auto jws = cobble::acme::parse_jws(sign_jws(key, json{{"kid", "k"}, {"nonce", "n"}, {"url", "u"}}, "{}"));
  REQUIRE(jws);
  jws->alg = "ES384";
  auto refused = verify_jws(*jws, key.public_key());
  REQUIRE_FALSE(refused);
  CHECK_THAT(refused.error(), IsProblem(ProblemType::bad_signature_algorithm, "signed with ES384"));
  CHECK_THAT(refused.error(), IsProblem(ProblemType::bad_signature_algorithm, "EC P-256"));
  CHECK(refused.error().algorithms == cobble::acme::supported_algorithms());

  PublicKey rsa = key_from(kRfc7638Jwk);
  jws->alg = "ES256";
  refused = verify_jws(*jws, rsa);
  REQUIRE_FALSE(refused);
  CHECK_THAT(refused.error(), IsProblem(ProblemType::bad_signature_algorithm, "RSA, which signs with RS256"));
}

TEST_CASE("key_authorization is the token, a dot and the account key thumbprint", "[acme]") {
  PublicKey key = key_from(kRfc7638Jwk);
  CHECK(cobble::acme::key_authorization("evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA", key) ==
        "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA.NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
}

TEST_CASE("sha256_base64url hashes and encodes without padding", "[acme]") {
  CHECK(cobble::acme::sha256_base64url("abc") == "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
  CHECK(cobble::acme::sha256_base64url("") == "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU");
}

TEST_CASE("parse_jws refuses deeply nested JSON without crashing", "[acme]") {
  std::string deep(100000, '[');
  auto outer = cobble::acme::parse_jws(deep);
  REQUIRE_FALSE(outer);
  CHECK_THAT(outer.error(), IsProblem(ProblemType::malformed));
  std::string body = json{{"protected", b64(deep)}, {"payload", ""}, {"signature", ""}}.dump();
  auto inner = cobble::acme::parse_jws(body);
  REQUIRE_FALSE(inner);
  CHECK_THAT(inner.error(), IsProblem(ProblemType::malformed));
}

TEST_CASE("refusing bad keys leaves no OpenSSL errors behind for the next TLS call", "[acme]") {
  ERR_clear_error();
  json off_curve = kRfc7515A3Jwk;
  off_curve["y"] = kRfc7515A3Jwk["x"];
  CHECK_FALSE(PublicKey::from_jwk(off_curve));
  CHECK_FALSE(PublicKey::from_spki_der("garbage"));
  CHECK_FALSE(PrivateKey::from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"));
  CHECK_FALSE(key_from(kRfc7515A3Jwk).verify("ES256", "input", std::string(64, '\x01')));
  CHECK(ERR_peek_error() == 0);
}
