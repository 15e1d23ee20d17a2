#include "ca/certificate_authority.hpp"

#include <array>
#include <chrono>

#include "ca/hierarchy.hpp"
#include "ca/openssl.hpp"
#include "ca/x509_build.hpp"
#include "common/base64url.hpp"
#include "common/random.hpp"

namespace cobble::ca {
namespace {

// Immutable after construction: issue() only reads, so concurrent calls are safe.
class LocalAuthority final : public CertificateAuthority {
 public:
  explicit LocalAuthority(CaMaterial material) : material_(std::move(material)) {
    leaf_issuer_key_pem_ = ossl::key_to_pem(material_.leaf_issuer_key.get());
    for (const auto& h : material_.hierarchies) {
      // Fill OpenSSL's lazily computed extension cache now, while no other thread can see the cert.
      X509_check_purpose(h.leaf_issuer.get(), -1, 0);
      Pems pems;
      pems.root = ossl::cert_to_pem(h.root.cert.get());
      pems.root_key = ossl::key_to_pem(h.root.key.get());
      pems.leaf_issuer = ossl::cert_to_pem(h.leaf_issuer.get());
      pems.issuer_chain = pems.leaf_issuer;
      for (const auto& upper : h.upper) pems.issuer_chain += ossl::cert_to_pem(upper.cert.get());
      pems_.push_back(std::move(pems));
    }
  }

  Result<IssuedCertificate> issue(const IssueRequest& request) const override;
  std::size_t chain_count() const override { return pems_.size(); }
  std::string root_pem(std::size_t chain) const override { return pems_.at(chain).root; }
  std::string root_key_pem(std::size_t chain) const override { return pems_.at(chain).root_key; }
  std::string intermediate_pem(std::size_t chain) const override { return pems_.at(chain).leaf_issuer; }
  std::string intermediate_key_pem(std::size_t chain) const override {
    pems_.at(chain);
    return leaf_issuer_key_pem_;
  }
  std::string issuer_chain_pem(std::size_t chain) const override { return pems_.at(chain).issuer_chain; }

 private:
  struct Pems {
    std::string root, root_key, leaf_issuer, issuer_chain;
  };
  const CaMaterial material_;
  std::string leaf_issuer_key_pem_;
  std::vector<Pems> pems_;
};

Result<IssuedCertificate> LocalAuthority::issue(const IssueRequest& request) const {
  if (request.dns_names.empty() && request.ip_addresses.empty()) {
    return common::fail(std::errc::invalid_argument, "no name to certify");
  }
  auto key_algorithm = ossl::spki_algorithm(request.spki_der);
  if (!key_algorithm) return std::unexpected(key_algorithm.error());
  TimePoint not_before = std::chrono::floor<std::chrono::seconds>(request.not_before);
  TimePoint not_after = std::chrono::floor<std::chrono::seconds>(request.not_after);

  ossl::CertSpec spec;
  spec.common_name = request.common_name.value_or("");
  spec.subject_spki_der = request.spki_der;
  spec.issuer = material_.hierarchies.front().leaf_issuer.get();
  spec.issuer_key = material_.leaf_issuer_key.get();
  spec.not_before = not_before;
  spec.not_after = not_after;
  spec.key_usage = "critical,digitalSignature";
  // RSA key exchange (TLS 1.2 and older) encrypts the premaster secret to the leaf's key.
  if (*key_algorithm == NID_rsaEncryption && request.key_encipherment) spec.key_usage += ",keyEncipherment";
  spec.subject_key_identifier = request.subject_key_identifier;
  spec.server_auth = request.server_auth;
  spec.client_auth = request.client_auth;
  // The serial is chosen here, before signing, because a sharded CRL URL depends on it.
  spec.serial_hex = ossl::random_serial_hex();
  auto shard = crl_shard_of(spec.serial_hex, request.crl.shards);
  if (!shard) return std::unexpected(shard.error());
  spec.crl_url = crl_url_of(request.crl, *shard);
  spec.ocsp_url = request.ocsp_url;
  spec.dns_names = request.dns_names;
  spec.ip_addresses = request.ip_addresses;
  auto leaf = ossl::build_certificate(spec);
  if (!leaf) return std::unexpected(leaf.error());

  IssuedCertificate issued;
  issued.serial = ossl::serial_hex(X509_get0_serialNumber(leaf->get()));
  issued.leaf_pem = ossl::cert_to_pem(leaf->get());
  issued.chain_pem = issued.leaf_pem + pems_.front().issuer_chain;
  issued.not_before = not_before;
  issued.not_after = not_after;
  return issued;
}

}  // namespace

Result<std::shared_ptr<CertificateAuthority>> CertificateAuthority::load_or_create(
    const std::filesystem::path& dir, const CaOptions& options, TimePoint now) {
  if (options.alternate_roots < 0 || options.chain_length < 1) {
    return common::fail(
        std::errc::invalid_argument,
        "alternateRoots must be 0 or more and chainLength 1 or more (intermediates per chain)");
  }
  auto material =
      options.persist ? load_or_create_material(dir, options, now) : create_material(options, now);
  if (!material) return std::unexpected(material.error());
  return std::make_shared<LocalAuthority>(std::move(*material));
}

}  // namespace cobble::ca
