#include <openssl/pem.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "acme/jws.hpp"
#include "ca/certificate_authority.hpp"
#include "ca/openssl.hpp"
#include "ca/x509_build.hpp"
#include "common/base64url.hpp"
#include "common/random.hpp"

namespace {

using namespace cobble;
namespace fs = std::filesystem;
namespace ossl = ca::ossl;
using std::chrono::days;

class TempDir {
 public:
  TempDir()
      : path_(fs::temp_directory_path() / ("cobble-ca-test-" + common::hex_encode(common::random_bytes(8)))) {
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

ossl::PKey make_key(const std::string& kind) {
  EVP_PKEY* key = kind == "RSA" ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256");
  REQUIRE(key != nullptr);
  return ossl::PKey(key);
}

ossl::Cert cert_of(std::string_view pem) {
  auto cert = ossl::cert_from_pem(pem);
  REQUIRE(cert.has_value());
  return std::move(*cert);
}

// Every certificate of a PEM chain, in order.
ossl::CertStack chain_of(std::string_view pem) {
  ossl::CertStack chain(sk_X509_new_null());
  ossl::Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr))
    sk_X509_push(chain.get(), cert);
  return chain;
}

// X509_V_OK when `leaf` chains to `root` through `untrusted` and is valid for `host` as a TLS server.
int verify(X509* leaf, X509* root, STACK_OF(X509) * untrusted, const std::string& host) {
  ossl::Store store(X509_STORE_new());
  X509_STORE_add_cert(store.get(), root);
  ossl::StoreCtx ctx(X509_STORE_CTX_new());
  X509_STORE_CTX_init(ctx.get(), store.get(), leaf, untrusted);
  X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_SERVER);
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  if (host.find(':') != std::string::npos || std::isdigit(static_cast<unsigned char>(host[0]))) {
    X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str());
  } else {
    X509_VERIFY_PARAM_set1_host(param, host.c_str(), 0);
  }
  X509_verify_cert(ctx.get());
  return X509_STORE_CTX_get_error(ctx.get());
}

std::vector<std::string> san_texts(X509* cert) {
  ossl::GeneralNames names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  std::vector<std::string> out;
  for (int i = 0; names && i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
    if (name->type == GEN_DNS) {
      out.push_back("DNS:" +
                    std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(name->d.dNSName)),
                                ASN1_STRING_length(name->d.dNSName)));
    } else if (name->type == GEN_IPADD) {
      out.push_back("IP:" + std::to_string(ASN1_STRING_length(name->d.iPAddress)) + "bytes");
    }
  }
  return out;
}

ca::CertificateAuthority& ephemeral_ca(ca::KeyAlgorithm algorithm = ca::KeyAlgorithm::ecdsa_p256) {
  static std::shared_ptr<ca::CertificateAuthority> ecdsa, rsa;
  auto& slot = algorithm == ca::KeyAlgorithm::ecdsa_p256 ? ecdsa : rsa;
  if (!slot) {
    auto created = ca::CertificateAuthority::load_or_create(
        "/nonexistent", ca::CaOptions{.key_algorithm = algorithm, .persist = false},
        std::chrono::system_clock::now());
    REQUIRE(created.has_value());
    slot = *created;
  }
  return *slot;
}

ca::IssueRequest request_for(EVP_PKEY* key) {
  ca::IssueRequest request;
  request.spki_der = ossl::der_of(i2d_PUBKEY, static_cast<const EVP_PKEY*>(key));
  request.dns_names = {"example.com", "www.example.com"};
  request.ip_addresses = {"192.0.2.7", "2001:db8::7"};
  request.not_before = std::chrono::system_clock::now() - std::chrono::minutes(1);
  request.not_after = request.not_before + days(90);
  return request;
}

bool only_owner_can_read(const fs::path& path) {
  return (fs::status(path).permissions() & (fs::perms::group_all | fs::perms::others_all)) == fs::perms::none;
}

}  // namespace

TEST_CASE("a persisted CA loads the same root and intermediate on its second start", "[ca]") {
  TempDir dir;
  auto now = std::chrono::system_clock::now();
  auto first = ca::CertificateAuthority::load_or_create(dir.path() / "ca", {}, now);
  REQUIRE(first.has_value());
  for (const char* file : {"root.pem", "root-key.pem", "intermediate.pem", "intermediate-key.pem"}) {
    CAPTURE(file);
    CHECK(fs::exists(dir.path() / "ca" / file));
  }
  CHECK(only_owner_can_read(dir.path() / "ca" / "root-key.pem"));
  CHECK(only_owner_can_read(dir.path() / "ca" / "intermediate-key.pem"));

  auto second = ca::CertificateAuthority::load_or_create(dir.path() / "ca", {}, now + days(1));
  REQUIRE(second.has_value());
  CHECK((*second)->root_pem() == (*first)->root_pem());
  CHECK((*second)->intermediate_pem() == (*first)->intermediate_pem());
  CHECK((*second)->intermediate_key_pem() == (*first)->intermediate_key_pem());
}

TEST_CASE("a CA directory whose intermediate belongs to another root is refused", "[ca]") {
  TempDir dir;
  auto now = std::chrono::system_clock::now();
  REQUIRE(ca::CertificateAuthority::load_or_create(dir.path() / "a", {}, now).has_value());
  REQUIRE(ca::CertificateAuthority::load_or_create(dir.path() / "b", {}, now).has_value());
  for (const char* file : {"intermediate.pem", "intermediate-key.pem"}) {
    fs::copy_file(dir.path() / "b" / file, dir.path() / "a" / file, fs::copy_options::overwrite_existing);
  }
  auto mixed = ca::CertificateAuthority::load_or_create(dir.path() / "a", {}, now);
  REQUIRE_FALSE(mixed.has_value());
  CHECK(mixed.error().code == std::errc::invalid_argument);

  fs::remove(dir.path() / "b" / "root-key.pem");
  auto incomplete = ca::CertificateAuthority::load_or_create(dir.path() / "b", {}, now);
  REQUIRE_FALSE(incomplete.has_value());
  CHECK(incomplete.error().code == std::errc::invalid_argument);
}

TEST_CASE("an ephemeral CA writes nothing and its root differs from the next one", "[ca]") {
  TempDir dir;
  ca::CaOptions options{.persist = false};
  auto first =
      ca::CertificateAuthority::load_or_create(dir.path(), options, std::chrono::system_clock::now());
  auto second =
      ca::CertificateAuthority::load_or_create(dir.path(), options, std::chrono::system_clock::now());
  REQUIRE(first.has_value());
  REQUIRE(second.has_value());
  CHECK_FALSE(fs::exists(dir.path()));
  CHECK((*first)->root_pem() != (*second)->root_pem());
  ossl::Cert root = cert_of((*first)->root_pem());
  auto cn = X509_NAME_oneline(X509_get_subject_name(root.get()), nullptr, 0);
  ossl::OpensslString owned(cn);
  CHECK_THAT(std::string(cn), Catch::StartsWith("/CN=Cobble Root CA "));
  CHECK(X509_check_ca(root.get()) == 1);
  ossl::Cert intermediate = cert_of((*first)->intermediate_pem());
  CHECK(X509_get_pathlen(intermediate.get()) == 0);
}

TEST_CASE("an issued leaf chains to the root and carries the requested names and usages", "[ca]") {
  auto [ca_algorithm, leaf_kind] = GENERATE(table<ca::KeyAlgorithm, std::string>({
      {ca::KeyAlgorithm::ecdsa_p256, "P-256"},
      {ca::KeyAlgorithm::ecdsa_p256, "RSA"},
      {ca::KeyAlgorithm::rsa_2048, "P-256"},
  }));
  CAPTURE(static_cast<int>(ca_algorithm), leaf_kind);
  ca::CertificateAuthority& authority = ephemeral_ca(ca_algorithm);
  ossl::PKey key = make_key(leaf_kind);
  auto issued = authority.issue(request_for(key.get()));
  REQUIRE(issued.has_value());
  CHECK(issued->chain_pem == issued->leaf_pem + authority.intermediate_pem());

  ossl::Cert leaf = cert_of(issued->leaf_pem);
  ossl::Cert root = cert_of(authority.root_pem());
  ossl::CertStack chain = chain_of(issued->chain_pem);
  REQUIRE(sk_X509_num(chain.get()) == 2);
  CHECK(verify(leaf.get(), root.get(), chain.get(), "www.example.com") == X509_V_OK);
  CHECK(verify(leaf.get(), root.get(), chain.get(), "2001:db8::7") == X509_V_OK);
  CHECK(verify(leaf.get(), root.get(), chain.get(), "other.example.com") == X509_V_ERR_HOSTNAME_MISMATCH);

  CHECK(san_texts(leaf.get()) ==
        std::vector<std::string>{"DNS:example.com", "DNS:www.example.com", "IP:4bytes", "IP:16bytes"});
  CHECK(X509_get_version(leaf.get()) == X509_VERSION_3);
  CHECK(X509_NAME_entry_count(X509_get_subject_name(leaf.get())) == 0);
  CHECK(X509_check_ca(leaf.get()) == 0);
  CHECK((X509_get_extended_key_usage(leaf.get()) & XKU_SSL_SERVER) != 0);
  uint32_t usage = X509_get_key_usage(leaf.get());
  CHECK((usage & KU_DIGITAL_SIGNATURE) != 0);
  CHECK(((usage & KU_KEY_ENCIPHERMENT) != 0) == (leaf_kind == "RSA"));
  CHECK((usage & KU_KEY_CERT_SIGN) == 0);
  CHECK(X509_get0_subject_key_id(leaf.get()) != nullptr);
  CHECK(X509_get0_authority_key_id(leaf.get()) != nullptr);
}

TEST_CASE("an issued leaf has a subject CN only when one is asked for", "[ca]") {
  ossl::PKey key = make_key("P-256");
  ca::IssueRequest request = request_for(key.get());
  request.common_name = "example.com";
  auto issued = ephemeral_ca().issue(request);
  REQUIRE(issued.has_value());
  ossl::Cert leaf = cert_of(issued->leaf_pem);
  ossl::OpensslString subject(X509_NAME_oneline(X509_get_subject_name(leaf.get()), nullptr, 0));
  CHECK(std::string(subject.get()) == "/CN=example.com");
  CHECK(issued->not_after - issued->not_before == days(90));
}

TEST_CASE("serials are positive, at least 64 bits long and differ between issues", "[ca]") {
  ossl::PKey key = make_key("P-256");
  auto first = ephemeral_ca().issue(request_for(key.get()));
  auto second = ephemeral_ca().issue(request_for(key.get()));
  REQUIRE(first.has_value());
  REQUIRE(second.has_value());
  CHECK(first->serial != second->serial);
  for (const auto* issued : {&*first, &*second}) {
    ossl::Cert leaf = cert_of(issued->leaf_pem);
    ossl::Bignum serial(ASN1_INTEGER_to_BN(X509_get0_serialNumber(leaf.get()), nullptr));
    CHECK_FALSE(BN_is_negative(serial.get()));
    CHECK(BN_num_bits(serial.get()) >= 64);
    ossl::OpensslString hex(BN_bn2hex(serial.get()));
    std::string lowered(hex.get());
    for (char& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    lowered.erase(0, lowered.find_first_not_of('0'));  // kept without leading zeros, like Pebble
    CHECK(issued->serial == lowered);
    CHECK(issued->serial.front() != '0');
  }
}

TEST_CASE("one CA issues from several threads at once", "[ca]") {
  ossl::PKey key = make_key("P-256");
  ca::IssueRequest request = request_for(key.get());
  ca::CertificateAuthority& authority = ephemeral_ca();
  std::vector<std::vector<std::string>> serials(4);
  std::vector<std::thread> threads;
  for (auto& out : serials) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        auto issued = authority.issue(request);
        out.push_back(issued ? issued->serial : "failed");
      }
    });
  }
  for (auto& thread : threads) thread.join();
  std::set<std::string> distinct;
  for (const auto& out : serials) distinct.insert(out.begin(), out.end());
  CHECK(distinct.size() == 40);
  CHECK(distinct.count("failed") == 0);
}

TEST_CASE("issue refuses an unparsable key, a bad IP and a request without names", "[ca]") {
  ossl::PKey key = make_key("P-256");
  ca::IssueRequest request = request_for(key.get());
  SECTION("unparsable key") { request.spki_der = "garbage"; }
  SECTION("no names") {
    request.dns_names.clear();
    request.ip_addresses.clear();
  }
  SECTION("bad IP") { request.ip_addresses = {"300.1.1.1"}; }
  auto issued = ephemeral_ca().issue(request);
  REQUIRE_FALSE(issued.has_value());
  CHECK(issued.error().code == std::errc::invalid_argument);
}

TEST_CASE("the HTTPS identity is created once, reused, and verifies for localhost", "[ca]") {
  TempDir dir;
  auto now = std::chrono::system_clock::now();
  auto first = ca::ensure_https_identity(dir.path(), {}, now);
  REQUIRE(first.has_value());
  std::string chain_text = read_file(first->cert_chain);
  std::string key_text = read_file(first->private_key);
  std::string ca_text = read_file(first->ca_cert);
  CHECK(only_owner_can_read(first->private_key));
  CHECK(only_owner_can_read(dir.path() / "https-ca-key.pem"));

  ossl::CertStack chain = chain_of(chain_text);
  REQUIRE(sk_X509_num(chain.get()) == 2);
  ossl::Cert ca_cert = cert_of(ca_text);
  ossl::OpensslString ca_name(X509_NAME_oneline(X509_get_subject_name(ca_cert.get()), nullptr, 0));
  CHECK_THAT(std::string(ca_name.get()), Catch::StartsWith("/CN=Cobble HTTPS CA "));
  X509* server = sk_X509_value(chain.get(), 0);
  CHECK(verify(server, ca_cert.get(), chain.get(), "localhost") == X509_V_OK);
  CHECK(verify(server, ca_cert.get(), chain.get(), "127.0.0.1") == X509_V_OK);
  CHECK(verify(server, ca_cert.get(), chain.get(), "::1") == X509_V_OK);

  auto second = ca::ensure_https_identity(dir.path(), {}, now + days(1));
  REQUIRE(second.has_value());
  CHECK(read_file(second->cert_chain) == chain_text);
  CHECK(read_file(second->private_key) == key_text);
  CHECK(read_file(second->ca_cert) == ca_text);
}

TEST_CASE("the HTTPS server certificate is re-made for a new name or near its expiry", "[ca]") {
  TempDir dir;
  auto now = std::chrono::system_clock::now();
  auto first = ca::ensure_https_identity(dir.path(), {}, now);
  REQUIRE(first.has_value());
  std::string ca_text = read_file(first->ca_cert);
  std::string chain_text = read_file(first->cert_chain);

  auto widened = ca::ensure_https_identity(dir.path(), {"cobble.test", "10.1.2.3"}, now);
  REQUIRE(widened.has_value());
  CHECK(read_file(widened->cert_chain) != chain_text);
  CHECK(read_file(widened->ca_cert) == ca_text);
  ossl::CertStack chain = chain_of(read_file(widened->cert_chain));
  ossl::Cert ca_cert = cert_of(ca_text);
  X509* server = sk_X509_value(chain.get(), 0);
  CHECK(verify(server, ca_cert.get(), chain.get(), "cobble.test") == X509_V_OK);
  CHECK(verify(server, ca_cert.get(), chain.get(), "10.1.2.3") == X509_V_OK);
  CHECK(verify(server, ca_cert.get(), chain.get(), "localhost") == X509_V_OK);

  std::string widened_text = read_file(widened->cert_chain);
  auto same = ca::ensure_https_identity(dir.path(), {"COBBLE.test"}, now);
  REQUIRE(same.has_value());
  CHECK(read_file(same->cert_chain) == widened_text);

  auto renewed = ca::ensure_https_identity(dir.path(), {"cobble.test", "10.1.2.3"}, now + days(340));
  REQUIRE(renewed.has_value());
  CHECK(read_file(renewed->cert_chain) != widened_text);
  CHECK(read_file(renewed->ca_cert) == ca_text);
}

TEST_CASE("a leaf's SubjectPublicKeyInfo is checked for structure and its algorithm read without decoding",
          "[ca]") {
  using cobble::acme::PrivateKey;
  auto ec = PrivateKey::generate(PrivateKey::Kind::es256).public_key().spki_der();
  auto rsa = PrivateKey::generate(PrivateKey::Kind::rs256).public_key().spki_der();
  CHECK(cobble::ca::ossl::spki_algorithm(ec).value_or(0) == NID_X9_62_id_ecPublicKey);
  CHECK(cobble::ca::ossl::spki_algorithm(rsa).value_or(0) == NID_rsaEncryption);
  CHECK_FALSE(cobble::ca::ossl::spki_algorithm(ec + "x"));
  CHECK_FALSE(cobble::ca::ossl::spki_algorithm(ec.substr(0, ec.size() - 1)));
  CHECK_FALSE(cobble::ca::ossl::spki_algorithm("garbage"));
  CHECK_FALSE(cobble::ca::ossl::spki_algorithm(""));
}
