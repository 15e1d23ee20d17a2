#include <algorithm>
#include <chrono>

#include "ca/certificate_authority.hpp"
#include "ca/openssl.hpp"
#include "ca/x509_build.hpp"
#include "common/base64url.hpp"
#include "common/files.hpp"
#include "common/random.hpp"
#include "common/text.hpp"

namespace cobble::ca {
namespace {

constexpr auto kBackdate = std::chrono::hours(1);
constexpr auto kCaLifetime = std::chrono::days(365 * 10 + 2);
constexpr auto kServerLifetime = std::chrono::days(365);
constexpr auto kRenewBefore = std::chrono::days(30);

struct CertAndKey {
  ossl::Cert cert;
  ossl::PKey key;
};

struct Paths {
  std::filesystem::path ca_cert, ca_key, server_chain, server_key;
};

// nullopt when either file is missing; invalid_argument when they are unparsable or do not match.
Result<std::optional<CertAndKey>> load(const std::filesystem::path& cert_path,
                                       const std::filesystem::path& key_path) {
  auto cert_text = common::read_file_if_exists(cert_path);
  if (!cert_text) return std::unexpected(cert_text.error());
  auto key_text = common::read_file_if_exists(key_path);
  if (!key_text) return std::unexpected(key_text.error());
  if (!*cert_text || !*key_text) return std::optional<CertAndKey>();
  auto cert = ossl::cert_from_pem(**cert_text);
  if (!cert)
    return common::fail(std::errc::invalid_argument, cert_path.string() + ": " + cert.error().message);
  auto key = ossl::key_from_pem(**key_text);
  if (!key) return common::fail(std::errc::invalid_argument, key_path.string() + ": " + key.error().message);
  if (X509_check_private_key(cert->get(), key->get()) != 1) {
    ossl::last_error();
    return common::fail(std::errc::invalid_argument,
                        key_path.string() + " is not the key of " + cert_path.string());
  }
  return std::optional<CertAndKey>(CertAndKey{std::move(*cert), std::move(*key)});
}

bool valid_until(X509* cert, TimePoint t) {
  time_t limit = std::chrono::system_clock::to_time_t(t);
  return X509_cmp_time(X509_get0_notAfter(cert), &limit) > 0;
}

bool covers(X509* cert, const ossl::SubjectAltNames& wanted) {
  ossl::GeneralNames names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  if (!names) return false;
  auto present = ossl::read_subject_alt_names(names.get());
  if (!present) return false;
  auto contains = [](const std::vector<std::string>& list, const std::string& name) {
    return std::find(list.begin(), list.end(), name) != list.end();
  };
  return std::all_of(wanted.dns_names.begin(), wanted.dns_names.end(),
                     [&](const std::string& n) { return contains(present->dns_names, n); }) &&
         std::all_of(wanted.ip_addresses.begin(), wanted.ip_addresses.end(),
                     [&](const std::string& n) { return contains(present->ip_addresses, n); });
}

ossl::SubjectAltNames wanted_names(const std::vector<std::string>& extra_names) {
  ossl::SubjectAltNames wanted{{"localhost"}, {"127.0.0.1", "::1"}};
  for (const std::string& name : extra_names) {
    std::string ip = ossl::ip_to_bytes(name);
    std::string canonical = ip.empty() ? name : ossl::ip_to_text(ip);
    if (ip.empty()) canonical = common::ascii_lower(canonical);
    auto& list = ip.empty() ? wanted.dns_names : wanted.ip_addresses;
    if (!canonical.empty() && std::find(list.begin(), list.end(), canonical) == list.end()) {
      list.push_back(std::move(canonical));
    }
  }
  return wanted;
}

Result<CertAndKey> create_ca(const Paths& paths, TimePoint now) {
  auto key = ossl::generate_key(KeyAlgorithm::ecdsa_p256);
  if (!key) return std::unexpected(key.error());
  ossl::CertSpec spec;
  spec.common_name = "Cobble HTTPS CA " + common::hex_encode(common::random_bytes(3));
  spec.subject_key = key->get();
  spec.issuer_key = key->get();
  spec.not_before = std::chrono::floor<std::chrono::seconds>(now) - kBackdate;
  spec.not_after = spec.not_before + kCaLifetime;
  spec.is_ca = true;
  spec.path_length = 0;
  spec.key_usage = "critical,keyCertSign,cRLSign";
  auto cert = ossl::build_certificate(spec);
  if (!cert) return std::unexpected(cert.error());
  if (auto r = common::write_file(paths.ca_key, ossl::key_to_pem(key->get()), true); !r) {
    return std::unexpected(r.error());
  }
  if (auto r = common::write_file(paths.ca_cert, ossl::cert_to_pem(cert->get()), false); !r) {
    return std::unexpected(r.error());
  }
  return CertAndKey{std::move(*cert), std::move(*key)};
}

Result<void> create_server(const Paths& paths, const CertAndKey& ca, const ossl::SubjectAltNames& names,
                           TimePoint now) {
  auto key = ossl::generate_key(KeyAlgorithm::ecdsa_p256);
  if (!key) return std::unexpected(key.error());
  ossl::CertSpec spec;
  spec.common_name = "localhost";
  spec.subject_key = key->get();
  spec.issuer = ca.cert.get();
  spec.issuer_key = ca.key.get();
  spec.not_before = std::chrono::floor<std::chrono::seconds>(now) - kBackdate;
  spec.not_after = spec.not_before + kServerLifetime;
  spec.key_usage = "critical,digitalSignature";
  spec.server_auth = true;
  spec.dns_names = names.dns_names;
  spec.ip_addresses = names.ip_addresses;
  auto cert = ossl::build_certificate(spec);
  if (!cert) return std::unexpected(cert.error());
  // Key first: a reader that sees the new chain must also find its key.
  if (auto r = common::write_file(paths.server_key, ossl::key_to_pem(key->get()), true); !r) return r;
  std::string chain = ossl::cert_to_pem(cert->get()) + ossl::cert_to_pem(ca.cert.get());
  return common::write_file(paths.server_chain, chain, false);
}

}  // namespace

Result<HttpsIdentity> ensure_https_identity(const std::filesystem::path& dir,
                                            const std::vector<std::string>& extra_names, TimePoint now) {
  Paths paths{dir / "https-ca.pem", dir / "https-ca-key.pem", dir / "https-cert.pem", dir / "https-key.pem"};
  if (auto r = common::ensure_directory(dir); !r) return std::unexpected(r.error());
  TimePoint renew_limit = now + kRenewBefore;

  auto loaded_ca = load(paths.ca_cert, paths.ca_key);
  if (!loaded_ca) return std::unexpected(loaded_ca.error());
  bool new_ca = !*loaded_ca || !valid_until((*loaded_ca)->cert.get(), renew_limit);
  CertAndKey ca;
  if (new_ca) {
    auto created = create_ca(paths, now);
    if (!created) return std::unexpected(created.error());
    ca = std::move(*created);
  } else {
    ca = std::move(**loaded_ca);
  }

  ossl::SubjectAltNames names = wanted_names(extra_names);
  bool reuse = false;
  if (!new_ca) {
    // The server pair is derived data: anything wrong with it (even unparsable) means "make anew".
    auto server = load(paths.server_chain, paths.server_key);
    reuse = server && *server && X509_check_issued(ca.cert.get(), (*server)->cert.get()) == X509_V_OK &&
            X509_verify((*server)->cert.get(), X509_get0_pubkey(ca.cert.get())) == 1 &&
            valid_until((*server)->cert.get(), renew_limit) && covers((*server)->cert.get(), names);
    ossl::last_error();
  }
  if (!reuse) {
    if (auto r = create_server(paths, ca, names, now); !r) return std::unexpected(r.error());
  }
  return HttpsIdentity{paths.ca_cert, paths.server_chain, paths.server_key};
}

}  // namespace cobble::ca
