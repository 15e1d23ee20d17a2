#include "ca/authority.hpp"

#include <array>
#include <chrono>

#include "ca/openssl.hpp"
#include "ca/x509_build.hpp"
#include "common/base64url.hpp"
#include "common/random.hpp"

namespace cobble::ca {
namespace {

constexpr auto kBackdate = std::chrono::hours(1);
constexpr auto kRootLifetime = std::chrono::days(365 * 30 + 7);
constexpr auto kIntermediateLifetime = std::chrono::days(365 * 10 + 2);

constexpr const char* kRootFile = "root.pem";
constexpr const char* kRootKeyFile = "root-key.pem";
constexpr const char* kIntermediateFile = "intermediate.pem";
constexpr const char* kIntermediateKeyFile = "intermediate-key.pem";

struct CaMaterial {
  ossl::Cert root;
  ossl::PKey root_key;
  ossl::Cert intermediate;
  ossl::PKey intermediate_key;
};

class LocalAuthority final : public CertificateAuthority {
 public:
  explicit LocalAuthority(CaMaterial material)
      : material_(std::move(material)),
        root_pem_(ossl::cert_to_pem(material_.root.get())),
        root_key_pem_(ossl::key_to_pem(material_.root_key.get())),
        intermediate_pem_(ossl::cert_to_pem(material_.intermediate.get())),
        intermediate_key_pem_(ossl::key_to_pem(material_.intermediate_key.get())) {
    // Fill OpenSSL's lazily computed extension cache now, while no other thread can see the cert.
    X509_check_purpose(material_.intermediate.get(), -1, 0);
  }

  Result<IssuedCertificate> issue(const IssueRequest& request) const override;
  std::string root_pem() const override { return root_pem_; }
  std::string root_key_pem() const override { return root_key_pem_; }
  std::string intermediate_pem() const override { return intermediate_pem_; }
  std::string intermediate_key_pem() const override { return intermediate_key_pem_; }

 private:
  // Immutable after construction: issue() only reads these, so concurrent calls are safe.
  const CaMaterial material_;
  const std::string root_pem_;
  const std::string root_key_pem_;
  const std::string intermediate_pem_;
  const std::string intermediate_key_pem_;
};

Result<IssuedCertificate> LocalAuthority::issue(const IssueRequest& request) const {
  if (request.dns_names.empty() && request.ip_addresses.empty()) {
    return common::fail(std::errc::invalid_argument, "no name to certify");
  }
  const auto* cursor = reinterpret_cast<const unsigned char*>(request.spki_der.data());
  ossl::PKey key(d2i_PUBKEY(nullptr, &cursor, static_cast<long>(request.spki_der.size())));
  if (!key ||
      cursor != reinterpret_cast<const unsigned char*>(request.spki_der.data()) + request.spki_der.size()) {
    ossl::last_error();
    return common::fail(std::errc::invalid_argument, "public key is not a parsable SubjectPublicKeyInfo");
  }
  TimePoint not_before = std::chrono::floor<std::chrono::seconds>(request.not_before);
  TimePoint not_after = std::chrono::floor<std::chrono::seconds>(request.not_after);

  ossl::CertSpec spec;
  spec.common_name = request.common_name.value_or("");
  spec.subject_key = key.get();
  spec.issuer = material_.intermediate.get();
  spec.issuer_key = material_.intermediate_key.get();
  spec.not_before = not_before;
  spec.not_after = not_after;
  spec.key_usage = "critical,digitalSignature";
  // RSA key exchange (TLS 1.2 and older) encrypts the premaster secret to the leaf's key.
  if (EVP_PKEY_get_base_id(key.get()) == EVP_PKEY_RSA) spec.key_usage += ",keyEncipherment";
  spec.server_auth = request.server_auth;
  spec.client_auth = request.client_auth;
  spec.crl_url = request.crl_url;
  spec.ocsp_url = request.ocsp_url;
  spec.dns_names = request.dns_names;
  spec.ip_addresses = request.ip_addresses;
  auto leaf = ossl::build_certificate(spec);
  if (!leaf) return std::unexpected(leaf.error());

  IssuedCertificate issued;
  issued.serial = ossl::serial_hex(X509_get0_serialNumber(leaf->get()));
  issued.leaf_pem = ossl::cert_to_pem(leaf->get());
  issued.chain_pem = issued.leaf_pem + intermediate_pem_;
  issued.not_before = not_before;
  issued.not_after = not_after;
  return issued;
}

Result<CaMaterial> create_material(const CaOptions& options, TimePoint now) {
  auto root_key = ossl::generate_key(options.key_algorithm);
  if (!root_key) return std::unexpected(root_key.error());
  auto intermediate_key = ossl::generate_key(options.key_algorithm);
  if (!intermediate_key) return std::unexpected(intermediate_key.error());
  // A random suffix tells apart the roots of two instances (as Pebble's do).
  std::string suffix = common::hex_encode(common::random_bytes(3));
  TimePoint start = std::chrono::floor<std::chrono::seconds>(now) - kBackdate;

  ossl::CertSpec root_spec;
  root_spec.common_name = options.name + " Root CA " + suffix;
  root_spec.subject_key = root_key->get();
  root_spec.issuer_key = root_key->get();
  root_spec.not_before = start;
  root_spec.not_after = start + kRootLifetime;
  root_spec.is_ca = true;
  root_spec.key_usage = "critical,keyCertSign,cRLSign";
  auto root = ossl::build_certificate(root_spec);
  if (!root) return std::unexpected(root.error());

  ossl::CertSpec intermediate_spec;
  intermediate_spec.common_name = options.name + " Intermediate CA " + suffix;
  intermediate_spec.subject_key = intermediate_key->get();
  intermediate_spec.issuer = root->get();
  intermediate_spec.issuer_key = root_key->get();
  intermediate_spec.not_before = start;
  intermediate_spec.not_after = start + kIntermediateLifetime;
  intermediate_spec.is_ca = true;
  intermediate_spec.path_length = 0;
  intermediate_spec.key_usage = "critical,digitalSignature,keyCertSign,cRLSign";
  auto intermediate = ossl::build_certificate(intermediate_spec);
  if (!intermediate) return std::unexpected(intermediate.error());

  return CaMaterial{std::move(*root), std::move(*root_key), std::move(*intermediate),
                    std::move(*intermediate_key)};
}

// nullopt when none of the four files exists (first start).
Result<std::optional<CaMaterial>> load_material(const std::filesystem::path& dir) {
  const std::array<const char*, 4> files = {kRootFile, kRootKeyFile, kIntermediateFile, kIntermediateKeyFile};
  std::array<std::string, 4> contents;
  std::string missing;
  std::size_t present = 0;
  for (std::size_t i = 0; i < files.size(); ++i) {
    auto content = ossl::read_file_if_exists(dir / files[i]);
    if (!content) return std::unexpected(content.error());
    if (*content) {
      contents[i] = std::move(**content);
      ++present;
    } else {
      missing += missing.empty() ? files[i] : std::string(", ") + files[i];
    }
  }
  if (present == 0) return std::optional<CaMaterial>();
  if (!missing.empty()) {
    return common::fail(std::errc::invalid_argument,
                        "incomplete CA in " + dir.string() + ": missing " + missing);
  }
  auto named = [&](std::size_t i, const common::Error& e) {
    return common::fail(std::errc::invalid_argument, (dir / files[i]).string() + ": " + e.message);
  };
  auto root = ossl::cert_from_pem(contents[0]);
  if (!root) return named(0, root.error());
  auto root_key = ossl::key_from_pem(contents[1]);
  if (!root_key) return named(1, root_key.error());
  auto intermediate = ossl::cert_from_pem(contents[2]);
  if (!intermediate) return named(2, intermediate.error());
  auto intermediate_key = ossl::key_from_pem(contents[3]);
  if (!intermediate_key) return named(3, intermediate_key.error());
  return std::optional<CaMaterial>(CaMaterial{std::move(*root), std::move(*root_key),
                                              std::move(*intermediate), std::move(*intermediate_key)});
}

Result<void> check_material(const CaMaterial& m, const std::filesystem::path& dir) {
  auto mismatch = [&](std::string what) {
    ossl::last_error();
    return common::fail(std::errc::invalid_argument,
                        "CA files in " + dir.string() + " do not belong together: " + what);
  };
  if (X509_check_private_key(m.root.get(), m.root_key.get()) != 1) {
    return mismatch("root-key.pem is not the key of root.pem");
  }
  if (X509_check_private_key(m.intermediate.get(), m.intermediate_key.get()) != 1) {
    return mismatch("intermediate-key.pem is not the key of intermediate.pem");
  }
  if (X509_check_issued(m.root.get(), m.intermediate.get()) != X509_V_OK ||
      X509_verify(m.intermediate.get(), X509_get0_pubkey(m.root.get())) != 1) {
    return mismatch("intermediate.pem was not issued by root.pem");
  }
  return {};
}

Result<void> save_material(const std::filesystem::path& dir, const CertificateAuthority& ca) {
  if (auto r = ossl::ensure_directory(dir); !r) return r;
  if (auto r = ossl::write_file(dir / kRootKeyFile, ca.root_key_pem(), true); !r) return r;
  if (auto r = ossl::write_file(dir / kIntermediateKeyFile, ca.intermediate_key_pem(), true); !r) return r;
  if (auto r = ossl::write_file(dir / kIntermediateFile, ca.intermediate_pem(), false); !r) return r;
  return ossl::write_file(dir / kRootFile, ca.root_pem(), false);
}

}  // namespace

Result<std::shared_ptr<CertificateAuthority>> CertificateAuthority::load_or_create(
    const std::filesystem::path& dir, const CaOptions& options, TimePoint now) {
  if (options.persist) {
    auto loaded = load_material(dir);
    if (!loaded) return std::unexpected(loaded.error());
    if (*loaded) {
      if (auto checked = check_material(**loaded, dir); !checked) return std::unexpected(checked.error());
      return std::make_shared<LocalAuthority>(std::move(**loaded));
    }
  }
  auto created = create_material(options, now);
  if (!created) return std::unexpected(created.error());
  auto ca = std::make_shared<LocalAuthority>(std::move(*created));
  if (options.persist) {
    if (auto saved = save_material(dir, *ca); !saved) return std::unexpected(saved.error());
  }
  return ca;
}

}  // namespace cobble::ca
