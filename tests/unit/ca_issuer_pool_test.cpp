// Let's Encrypt's layout of issuers (intermediatesPerKeyType): an RSA and an ECDSA hierarchy with
// several intermediates each, one picked at random per issuance by the leaf's key type; each
// intermediate's CRLs list its own certificates; certIDs name a certificate under its own issuer.
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <map>
#include <set>

#include "authority/renewal_info.hpp"
#include "ca/certificate_authority.hpp"
#include "ca/crl_layout.hpp"
#include "ca/x509_build.hpp"
#include "support/temp_dir.hpp"
#include "support/test_ca.hpp"
#include "support/x509_inspect.hpp"

namespace {

using namespace cobble;
namespace fs = std::filesystem;
namespace ossl = ca::ossl;
using namespace std::chrono_literals;
using test::cert_of;
using test::chain_of;
using test::verified_length;

ca::IssueRequest request_for(EVP_PKEY* key) {
  ca::IssueRequest request;
  request.spki_der = ossl::der_of(i2d_PUBKEY, static_cast<const EVP_PKEY*>(key));
  request.dns_names = {"example.com"};
  request.not_before = std::chrono::system_clock::now() - std::chrono::minutes(1);
  request.not_after = request.not_before + std::chrono::days(90);
  request.crl = {"http://c.test/crl/", 4};
  return request;
}

std::string common_name(const std::string& pem) {
  return ossl::common_name_of(X509_get_subject_name(cert_of(pem).get())).value_or("");
}

// The root (of the two in `roots_pem`) that `leaf_pem` verifies up to through its own chain.
std::string verifying_root(const std::string& roots_pem, const std::string& chain_pem) {
  auto chain = chain_of(chain_pem);
  X509* leaf = sk_X509_value(chain.get(), 0);
  auto roots = chain_of(roots_pem);
  for (int i = 0; i < sk_X509_num(roots.get()); ++i) {
    if (verified_length(leaf, sk_X509_value(roots.get(), i), chain.get()) == 3)
      return ossl::cert_to_pem(sk_X509_value(roots.get(), i));
  }
  return "";
}

}  // namespace

TEST_CASE("an issuer pool signs RSA leafs by an RSA intermediate and others by an ECDSA one, at random",
          "[ca][pool]") {
  auto authority = ca::CertificateAuthority::load_or_create(
      {}, ca::CaOptions{.persist = false, .issuers_per_key_type = 3}, std::chrono::system_clock::now());
  REQUIRE(authority);
  const auto& ca = **authority;
  std::vector<std::string> ids;
  for (const auto& issuer : ca.issuers()) ids.push_back(issuer.id);
  CHECK(ids == std::vector<std::string>{"r1", "r2", "r3", "e1", "e2", "e3"});
  CHECK(ca.chain_count() == 1);
  CHECK(sk_X509_num(chain_of(ca.root_pem(0)).get()) == 2);          // /roots/0: both roots
  CHECK(sk_X509_num(chain_of(ca.intermediate_pem(0)).get()) == 6);  // /intermediates/0: all six
  CHECK_THROWS_AS(ca.root_pem(1), std::out_of_range);
  const auto& issuers = ca.issuers();
  CHECK(EVP_PKEY_get_bits(X509_get0_pubkey(cert_of(issuers[0].cert_pem).get())) == 2048);
  CHECK(EVP_PKEY_get_bits(X509_get0_pubkey(cert_of(issuers[3].cert_pem).get())) == 384);
  CHECK_THAT(common_name(issuers[4].cert_pem), Catch::StartsWith("Cobble Intermediate E2 "));

  std::map<std::string, int> used;
  std::set<std::string> roots;
  auto ec_key = ossl::PKey(EVP_EC_gen("P-256"));
  auto rsa_key = ossl::PKey(EVP_RSA_gen(2048));
  for (int i = 0; i < 60; ++i) {
    for (EVP_PKEY* key : {ec_key.get(), rsa_key.get()}) {
      auto issued = ca.issue(request_for(key));
      REQUIRE(issued);
      bool rsa = key == rsa_key.get();
      CAPTURE(issued->issuer, rsa);
      CHECK(issued->issuer.front() == (rsa ? 'r' : 'e'));
      ++used[issued->issuer];
      // Its chain is its own intermediate, and it verifies up its key type's root only.
      auto chain = chain_of(issued->chain_pem);
      REQUIRE(sk_X509_num(chain.get()) == 2);
      auto& mine = *std::find_if(issuers.begin(), issuers.end(),
                                 [&](const auto& x) { return x.id == issued->issuer; });
      CHECK(X509_cmp(sk_X509_value(chain.get(), 1), cert_of(mine.cert_pem).get()) == 0);
      auto root = verifying_root(ca.root_pem(0), issued->chain_pem);
      CHECK_FALSE(root.empty());
      roots.insert(root);
      // Its CRL distribution point is its issuer's, sharded by its serial.
      int shard = ca::crl_shard_of(issued->serial, 4).value();
      CHECK(test::crl_distribution_point(
                ossl::der_of(i2d_X509, static_cast<const X509*>(cert_of(issued->leaf_pem).get()))) ==
            "http://c.test/crl/" + issued->issuer + "/" + std::to_string(shard) + ".crl");
    }
  }
  CHECK(used.size() == 6);  // every intermediate signed some (each misses 60 draws with p = (2/3)^60)
  CHECK(roots.size() == 2);
}

TEST_CASE("a persisted issuer pool comes back the same and grows when more intermediates are asked for",
          "[ca][pool]") {
  test::TempDir dir;
  auto now = std::chrono::system_clock::now();
  auto load = [&](int n) {
    return ca::CertificateAuthority::load_or_create(dir.path() / "ca",
                                                    ca::CaOptions{.issuers_per_key_type = n}, now);
  };
  auto first = load(1);
  REQUIRE(first);
  CHECK(fs::exists(dir.path() / "ca" / "root-rsa.pem"));
  CHECK(fs::exists(dir.path() / "ca" / "intermediate-e1-key.pem"));
  auto more = load(2);
  REQUIRE(more);
  CHECK((*more)->root_pem(0) == (*first)->root_pem(0));
  REQUIRE((*more)->issuers().size() == 4);
  CHECK((*more)->issuers()[0].cert_pem == (*first)->issuers()[0].cert_pem);  // r1 kept
  CHECK((*more)->issuers()[2].cert_pem == (*first)->issuers()[1].cert_pem);  // e1 kept

  SECTION("an intermediate under another root is refused") {
    test::TempDir other;
    REQUIRE(ca::CertificateAuthority::load_or_create(other.path(), ca::CaOptions{.issuers_per_key_type = 1},
                                                     now));
    fs::copy_file(other.path() / "intermediate-e1.pem", dir.path() / "ca" / "intermediate-e1.pem",
                  fs::copy_options::overwrite_existing);
    fs::copy_file(other.path() / "intermediate-e1-key.pem", dir.path() / "ca" / "intermediate-e1-key.pem",
                  fs::copy_options::overwrite_existing);
    auto refused = load(1);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == std::errc::invalid_argument);
    CHECK_THAT(refused.error().message,
               Catch::Contains("intermediate-e1.pem was not issued by root-ecdsa.pem"));
  }
}

TEST_CASE("an issuer pool is refused with Pebble's alternate roots or chain length", "[ca][pool]") {
  auto now = std::chrono::system_clock::now();
  auto alternates = ca::CertificateAuthority::load_or_create(
      {}, ca::CaOptions{.persist = false, .alternate_roots = 1, .issuers_per_key_type = 2}, now);
  REQUIRE_FALSE(alternates);
  CHECK_THAT(alternates.error().message, Catch::Contains("cannot be combined"));
  CHECK_FALSE(ca::CertificateAuthority::load_or_create(
      {}, ca::CaOptions{.persist = false, .chain_length = 2, .issuers_per_key_type = 2}, now));
}

namespace {

using Crl = std::unique_ptr<X509_CRL, ossl::FreeWith<X509_CRL_free>>;

std::set<std::string> serials_in(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  Crl crl(d2i_X509_CRL(nullptr, &p, static_cast<long>(der.size())));
  REQUIRE(crl);
  std::set<std::string> out;
  auto* entries = X509_CRL_get_REVOKED(crl.get());
  for (int i = 0; i < sk_X509_REVOKED_num(entries); ++i)
    out.insert(ossl::serial_hex(X509_REVOKED_get0_serialNumber(sk_X509_REVOKED_value(entries, i))));
  return out;
}

bool signed_by(const std::string& crl_der, const std::string& issuer_pem) {
  const auto* p = reinterpret_cast<const unsigned char*>(crl_der.data());
  Crl crl(d2i_X509_CRL(nullptr, &p, static_cast<long>(crl_der.size())));
  return crl && X509_CRL_verify(crl.get(), X509_get0_pubkey(cert_of(issuer_pem).get())) == 1;
}

}  // namespace

TEST_CASE("each pooled intermediate's CRLs list its own revoked certificates; certIDs name their own issuer",
          "[ca][pool][crl][ari]") {
  authority::Policy policy;
  policy.crl = {"http://ca.test/crl/", 2};
  test::TestCa ca(policy, ca::CaOptions{.persist = false, .issuers_per_key_type = 2});
  test::TestClient client(ca);
  REQUIRE(client.register_account().status == 201);
  std::map<std::string, std::set<std::string>> revoked_by_issuer;  // issuer id -> serials
  std::string some_serial;
  for (int i = 0; i < 8; ++i) {
    auto key =
        acme::PrivateKey::generate(i % 2 ? acme::PrivateKey::Kind::rs256 : acme::PrivateKey::Kind::es256);
    auto order = client.valid_order({"pool" + std::to_string(i) + ".example"}, key);
    auto url = order["certificate"].get<std::string>();
    auto serial = url.substr(url.rfind('/') + 1);
    auto stored = ca.store->find_certificate(serial);
    REQUIRE(stored);
    CHECK(stored->issuer.front() == (i % 2 ? 'r' : 'e'));
    auto der = ca::first_certificate_der(stored->chain_pem).value();
    REQUIRE(client.post("/acme/revoke-cert", {{"certificate", common::base64url_encode(der)}}).status == 200);
    revoked_by_issuer[stored->issuer].insert(serial);
    some_serial = serial;
  }
  ca.clock.advance(61s);
  for (const auto& issuer : ca.ca->issuers()) {
    CAPTURE(issuer.id);
    std::set<std::string> listed;
    for (int shard = 1; shard <= 2; ++shard) {
      auto reply = ca.send("GET", "/crl/" + issuer.id + "/" + std::to_string(shard) + ".crl", "", "");
      REQUIRE(reply.status == 200);
      CHECK(signed_by(reply.body, issuer.cert_pem));
      for (const auto& serial : serials_in(reply.body)) listed.insert(serial);
    }
    CHECK(listed == revoked_by_issuer[issuer.id]);
    auto all = ca.send("GET", "/crl/" + issuer.id + "/0", "", "");
    REQUIRE(all.status == 200);
    CHECK(serials_in(all.body) == revoked_by_issuer[issuer.id]);
  }
  CHECK(ca.send("GET", "/crl/x9/1.crl", "", "").status == 404);
  CHECK(ca.send("GET", "/crl/1.crl", "", "").status == 404);  // no unnamed issuer in a pool

  // RFC 9773: a certID with the certificate's own issuer's key identifier names it; another
  // intermediate's of this CA does not.
  auto cert = ca.store->find_certificate(some_serial).value();
  const auto& issuers = ca.ca->issuers();
  auto own = std::find_if(issuers.begin(), issuers.end(), [&](const auto& i) { return i.id == cert.issuer; });
  auto other =
      std::find_if(issuers.begin(), issuers.end(), [&](const auto& i) { return i.id != cert.issuer; });
  CHECK(ca.send("GET", "/acme/renewal-info/" + authority::make_cert_id(own->key_identifier, some_serial), "",
                "")
            .status == 200);
  auto wrong = ca.send(
      "GET", "/acme/renewal-info/" + authority::make_cert_id(other->key_identifier, some_serial), "", "");
  CHECK(wrong.status == 404);
  CHECK_THAT(test::body_of(wrong)["detail"].get<std::string>(),
             Catch::Contains("another of this CA's intermediates"));
}
