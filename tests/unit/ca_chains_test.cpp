#include <openssl/pem.h>
#include <openssl/x509_vfy.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <set>

#include "ca/certificate_authority.hpp"
#include "ca/openssl.hpp"
#include "support/temp_dir.hpp"
#include "support/test_ca.hpp"
#include "support/x509_inspect.hpp"

// Alternate chains and chain length (Pebble's PEBBLE_ALTERNATE_ROOTS and PEBBLE_CHAIN_LENGTH):
// every chain of every CA shape verifies a leaf up to its own root with OpenSSL.

namespace {

using namespace cobble;
namespace fs = std::filesystem;
namespace ossl = ca::ossl;
using std::chrono::days;

using test::cert_of;
using test::chain_of;
using test::verified_length;

ca::IssueRequest request_for(const ossl::PKey& key) {
  ca::IssueRequest request;
  request.spki_der = ossl::der_of(i2d_PUBKEY, static_cast<const EVP_PKEY*>(key.get()));
  request.dns_names = {"example.com"};
  request.not_before = std::chrono::system_clock::now() - std::chrono::minutes(1);
  request.not_after = request.not_before + days(90);
  return request;
}

// Checks that `leaf_pem` verifies up every chain of `authority`, each to its own root only.
void check_every_chain(const ca::CertificateAuthority& authority, const std::string& leaf_pem,
                       int chain_length) {
  ossl::Cert leaf = cert_of(leaf_pem);
  for (std::size_t n = 0; n < authority.chain_count(); ++n) {
    CAPTURE(n);
    auto untrusted = chain_of(authority.issuer_chain_pem(n));
    CHECK(sk_X509_num(untrusted.get()) == chain_length);
    ossl::Cert root = cert_of(authority.root_pem(n));
    CHECK(verified_length(leaf.get(), root.get(), untrusted.get()) == chain_length + 2);
    // The leaf-issuing intermediate is the one /intermediates/n serves.
    CHECK(X509_cmp(sk_X509_value(untrusted.get(), 0), cert_of(authority.intermediate_pem(n)).get()) == 0);
    // Chain n leads to root n, not to another.
    for (std::size_t m = 0; m < authority.chain_count(); ++m) {
      if (m == n) continue;
      ossl::Cert other_root = cert_of(authority.root_pem(m));
      CHECK(verified_length(leaf.get(), other_root.get(), untrusted.get()) < 0);
    }
  }
}

}  // namespace

TEST_CASE("every alternate chain of every length verifies a leaf up to its own root", "[ca][chains]") {
  auto algorithm = GENERATE(ca::KeyAlgorithm::ecdsa_p256, ca::KeyAlgorithm::rsa_2048);
  auto [alternates, length] = GENERATE(table<int, int>({{0, 1}, {2, 1}, {1, 3}}));
  CAPTURE(static_cast<int>(algorithm), alternates, length);
  ca::CaOptions options{
      .key_algorithm = algorithm, .persist = false, .alternate_roots = alternates, .chain_length = length};
  auto authority = ca::CertificateAuthority::load_or_create({}, options, std::chrono::system_clock::now());
  REQUIRE(authority.has_value());
  REQUIRE((*authority)->chain_count() == static_cast<std::size_t>(1 + alternates));
  std::set<std::string> roots;
  for (std::size_t n = 0; n < (*authority)->chain_count(); ++n) {
    roots.insert((*authority)->root_pem(n));
    CHECK((*authority)->intermediate_key_pem(n) == (*authority)->intermediate_key_pem(0));
    CHECK_FALSE((*authority)->root_key_pem(n).empty());
  }
  CHECK(roots.size() == (*authority)->chain_count());
  auto key = ossl::PKey(EVP_EC_gen("P-256"));
  auto issued = (*authority)->issue(request_for(key));
  REQUIRE(issued.has_value());
  CHECK(issued->chain_pem == issued->leaf_pem + (*authority)->issuer_chain_pem(0));
  check_every_chain(**authority, issued->leaf_pem, length);
  CHECK_THROWS_AS((*authority)->root_pem((*authority)->chain_count()), std::out_of_range);
}

TEST_CASE("alternate roots and chain length are refused below their minimum", "[ca][chains]") {
  auto [alternates, length] = GENERATE(table<int, int>({{-1, 1}, {0, 0}}));
  ca::CaOptions options{.persist = false, .alternate_roots = alternates, .chain_length = length};
  auto authority = ca::CertificateAuthority::load_or_create({}, options, std::chrono::system_clock::now());
  REQUIRE_FALSE(authority.has_value());
  CHECK(authority.error().code == std::errc::invalid_argument);
}

TEST_CASE("persisted chains come back the same, and changed counts keep every root and the issuer key",
          "[ca][chains]") {
  test::TempDir dir;
  auto now = std::chrono::system_clock::now();
  auto load = [&](int alternates, int length) {
    auto loaded = ca::CertificateAuthority::load_or_create(
        dir.path() / "ca", ca::CaOptions{.alternate_roots = alternates, .chain_length = length}, now);
    REQUIRE(loaded.has_value());
    return *loaded;
  };
  auto first = load(1, 1);
  auto key = ossl::PKey(EVP_EC_gen("P-256"));
  auto leaf = first->issue(request_for(key)).value().leaf_pem;
  CHECK(fs::exists(dir.path() / "ca" / "root-1.pem"));
  CHECK(fs::exists(dir.path() / "ca" / "intermediate-1.pem"));

  auto same = load(1, 1);
  for (std::size_t n = 0; n < 2; ++n) {
    CHECK(same->root_pem(n) == first->root_pem(n));
    CHECK(same->issuer_chain_pem(n) == first->issuer_chain_pem(n));
  }

  SECTION("more alternate roots add hierarchies; fewer leave them unused") {
    auto more = load(2, 1);
    REQUIRE(more->chain_count() == 3);
    CHECK(more->root_pem(1) == first->root_pem(1));
    CHECK(more->root_pem(2) != first->root_pem(1));
    check_every_chain(*more, leaf, 1);
    auto fewer = load(0, 1);
    CHECK(fewer->chain_count() == 1);
    CHECK(fewer->root_pem(0) == first->root_pem(0));
    CHECK(load(2, 1)->root_pem(2) == more->root_pem(2));
  }
  SECTION("another chain length re-makes the intermediates under the same roots") {
    auto longer = load(1, 3);
    for (std::size_t n = 0; n < 2; ++n) CHECK(longer->root_pem(n) == first->root_pem(n));
    CHECK(longer->intermediate_key_pem() == first->intermediate_key_pem());
    // A leaf issued before the change still verifies through the new chains.
    check_every_chain(*longer, leaf, 3);
    auto again = load(1, 3);
    CHECK(again->issuer_chain_pem(1) == longer->issuer_chain_pem(1));
    auto shorter = load(1, 1);
    check_every_chain(*shorter, leaf, 1);
  }
  SECTION("an alternate left unused while the length changed comes back with the new length") {
    load(0, 2);
    auto back = load(1, 2);
    CHECK(back->root_pem(1) == first->root_pem(1));
    check_every_chain(*back, leaf, 2);
  }
}

TEST_CASE("certificate download links alternate chains, and each alternate verifies to its root",
          "[api][chains]") {
  test::TestCa ca({}, ca::CaOptions{.persist = false, .alternate_roots = 2, .chain_length = 2});
  test::TestClient client(ca);
  REQUIRE(client.register_account().status == 201);
  auto cert_key = acme::PrivateKey::generate(acme::PrivateKey::Kind::es256);
  auto order = client.valid_order({"example.com"}, cert_key);
  auto url = order["certificate"].get<std::string>();

  auto main = client.post_as_get(url);
  REQUIRE(main.status == 200);
  auto links = test::headers_named(main, "Link");
  CHECK(std::count(links.begin(), links.end(), "<" + url + "/1>;rel=\"alternate\"") == 1);
  CHECK(std::count(links.begin(), links.end(), "<" + url + "/2>;rel=\"alternate\"") == 1);
  for (std::size_t n = 0; n < 3; ++n) {
    CAPTURE(n);
    auto reply = client.post_as_get(url + "/" + std::to_string(n));
    REQUIRE(reply.status == 200);
    CHECK(reply.content_type == "application/pem-certificate-chain");
    if (n == 0) CHECK(reply.body == main.body);
    auto certs = chain_of(reply.body);
    REQUIRE(sk_X509_num(certs.get()) == 3);
    ossl::Cert root = cert_of(ca.manage("/roots/" + std::to_string(n)).body);
    CHECK(verified_length(sk_X509_value(certs.get(), 0), root.get(), certs.get()) == 4);
  }
  auto beyond = client.post_as_get(url + "/3");
  CHECK(beyond.status == 404);
  CHECK(test::problem_type(beyond) == "malformed");
  CHECK(client.post_as_get(url + "/x").status == 404);
}

TEST_CASE("management serves every chain's root, intermediate and keys, and 404 beyond", "[api][chains]") {
  auto algorithm = GENERATE(ca::KeyAlgorithm::ecdsa_p256, ca::KeyAlgorithm::rsa_2048);
  test::TestCa ca({}, ca::CaOptions{.key_algorithm = algorithm, .persist = false, .alternate_roots = 1});
  for (std::string path : {"/roots/", "/root-keys/", "/intermediates/", "/intermediate-keys/"}) {
    CAPTURE(path);
    for (std::size_t n = 0; n < 2; ++n) {
      auto reply = ca.manage(path + std::to_string(n));
      CHECK(reply.status == 200);
      CHECK(test::link_target(reply, "alternate") ==
            "https://localhost:15000" + path + std::to_string(1 - n));
    }
    CHECK((ca.manage(path + "0").body != ca.manage(path + "1").body) == (path != "/intermediate-keys/"));
    auto beyond = ca.manage(path + "2");
    CHECK(beyond.status == 404);
    CHECK(test::problem_type(beyond) == "malformed");
  }
  CHECK(ca.manage("/roots/1").body == ca.ca->root_pem(1));
  CHECK(ca.manage("/root-keys/1").body == ca.ca->root_key_pem(1));
}
