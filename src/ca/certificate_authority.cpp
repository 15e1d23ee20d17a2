#include "ca/certificate_authority.hpp"

#include <openssl/rand.h>

#include <chrono>

#include "ca/hierarchy.hpp"
#include "ca/issuer_pool.hpp"
#include "ca/openssl.hpp"
#include "ca/x509_build.hpp"

namespace cobble::ca {
namespace {

std::string key_identifier_of(X509* cert) {
  const ASN1_OCTET_STRING* ski = X509_get0_subject_key_id(cert);
  if (!ski) return {};
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(ski)),
                     static_cast<std::size_t>(ASN1_STRING_length(ski)));
}

IssuerInfo info_of(std::string id, X509* cert, EVP_PKEY* key) {
  // Fill OpenSSL's lazily computed extension cache now, while no other thread can see the cert.
  X509_check_purpose(cert, -1, 0);
  return {std::move(id), ossl::cert_to_pem(cert), ossl::key_to_pem(key), key_identifier_of(cert)};
}

// Who signs a leaf: the intermediate's certificate and key, its IssuerInfo::id, and the chain a
// leaf is served with after itself.
struct Signer {
  X509* cert;
  EVP_PKEY* key;
  const std::string& id;
  const std::string& chain;
};

Result<IssuedCertificate> sign_leaf(const IssueRequest& request, const Signer& issuer) {
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
  spec.issuer = issuer.cert;
  spec.issuer_key = issuer.key;
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
  spec.crl_url = crl_url_of(request.crl, *shard, issuer.id);
  spec.ocsp_url = request.ocsp_url;
  spec.policy_oids = request.policy_oids;
  spec.dns_names = request.dns_names;
  spec.ip_addresses = request.ip_addresses;
  auto leaf = ossl::build_certificate(spec);
  if (!leaf) return std::unexpected(leaf.error());

  IssuedCertificate issued;
  issued.serial = ossl::serial_hex(X509_get0_serialNumber(leaf->get()));
  issued.issuer = issuer.id;
  issued.leaf_pem = ossl::cert_to_pem(leaf->get());
  issued.chain_pem = issued.leaf_pem + issuer.chain;
  issued.not_before = not_before;
  issued.not_after = not_after;
  return issued;
}

// Pebble's layout: hierarchies sharing one leaf-issuing key. Immutable after construction:
// issue() only reads, so concurrent calls are safe.
class HierarchyAuthority final : public CertificateAuthority {
 public:
  explicit HierarchyAuthority(CaMaterial material) : material_(std::move(material)) {
    leaf_issuer_key_pem_ = ossl::key_to_pem(material_.leaf_issuer_key.get());
    for (const auto& h : material_.hierarchies) {
      X509_check_purpose(h.leaf_issuer.get(), -1, 0);
      Pems pems;
      pems.root = ossl::cert_to_pem(h.root.cert.get());
      pems.root_key = ossl::key_to_pem(h.root.key.get());
      pems.leaf_issuer = ossl::cert_to_pem(h.leaf_issuer.get());
      pems.issuer_chain = pems.leaf_issuer;
      for (const auto& upper : h.upper) pems.issuer_chain += ossl::cert_to_pem(upper.cert.get());
      pems_.push_back(std::move(pems));
    }
    const auto& first = material_.hierarchies.front();
    issuers_.push_back(info_of("", first.leaf_issuer.get(), material_.leaf_issuer_key.get()));
  }

  Result<IssuedCertificate> issue(const IssueRequest& request) const override {
    return sign_leaf(request,
                     {material_.hierarchies.front().leaf_issuer.get(), material_.leaf_issuer_key.get(),
                      issuers_.front().id, pems_.front().issuer_chain});
  }
  const std::vector<IssuerInfo>& issuers() const override { return issuers_; }
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
  std::vector<IssuerInfo> issuers_;
};

// Let's Encrypt's layout (ca/issuer_pool.hpp). Immutable after construction.
class PooledAuthority final : public CertificateAuthority {
 public:
  explicit PooledAuthority(IssuerPool pool) : pool_(std::move(pool)) {
    for (const auto& root : pool_.roots) {
      roots_ += ossl::cert_to_pem(root.cert.get());
      root_keys_ += ossl::key_to_pem(root.key.get());
    }
    for (const auto& pooled : pool_.issuers) {
      issuers_.push_back(info_of(pooled.id, pooled.issuer.cert.get(), pooled.issuer.key.get()));
      intermediates_ += issuers_.back().cert_pem;
      intermediate_keys_ += issuers_.back().key_pem;
      (pooled.rsa ? rsa_ : ecdsa_).push_back(issuers_.size() - 1);
    }
  }

  Result<IssuedCertificate> issue(const IssueRequest& request) const override {
    auto key_algorithm = ossl::spki_algorithm(request.spki_der);
    if (!key_algorithm) return std::unexpected(key_algorithm.error());
    const auto& candidates = *key_algorithm == NID_rsaEncryption ? rsa_ : ecdsa_;
    if (candidates.empty())
      return common::fail(std::errc::invalid_argument, "no intermediate for this key type");
    std::uint32_t pick = 0;
    if (RAND_bytes(reinterpret_cast<unsigned char*>(&pick), sizeof pick) != 1)
      return common::fail(std::errc::io_error,
                          "no randomness to pick an intermediate: " + ossl::last_error());
    std::size_t index = candidates[pick % candidates.size()];
    const auto& pooled = pool_.issuers[index];
    return sign_leaf(request, {pooled.issuer.cert.get(), pooled.issuer.key.get(), issuers_[index].id,
                               issuers_[index].cert_pem});
  }
  const std::vector<IssuerInfo>& issuers() const override { return issuers_; }
  std::size_t chain_count() const override { return 1; }
  std::string root_pem(std::size_t chain) const override { return only(chain, roots_); }
  std::string root_key_pem(std::size_t chain) const override { return only(chain, root_keys_); }
  std::string intermediate_pem(std::size_t chain) const override { return only(chain, intermediates_); }
  std::string intermediate_key_pem(std::size_t chain) const override {
    return only(chain, intermediate_keys_);
  }
  std::string issuer_chain_pem(std::size_t chain) const override { return only(chain, intermediates_); }

 private:
  static const std::string& only(std::size_t chain, const std::string& value) {
    if (chain != 0) throw std::out_of_range("an issuer pool has one chain");
    return value;
  }
  const IssuerPool pool_;
  std::vector<IssuerInfo> issuers_;
  std::vector<std::size_t> rsa_, ecdsa_;  // indexes into issuers_ by key type
  std::string roots_, root_keys_, intermediates_, intermediate_keys_;
};

}  // namespace

Result<std::shared_ptr<CertificateAuthority>> CertificateAuthority::load_or_create(
    const std::filesystem::path& dir, const CaOptions& options, TimePoint now) {
  if (options.alternate_roots < 0 || options.chain_length < 1 || options.issuers_per_key_type < 0) {
    return common::fail(
        std::errc::invalid_argument,
        "alternateRoots and intermediatesPerKeyType must be 0 or more and chainLength 1 or more");
  }
  if (options.issuers_per_key_type > 0) {
    if (options.alternate_roots != 0 || options.chain_length != 1) {
      return common::fail(std::errc::invalid_argument,
                          "intermediatesPerKeyType (Let's Encrypt's RSA and ECDSA hierarchies) cannot be "
                          "combined with alternateRoots or chainLength (Pebble's hierarchies)");
    }
    auto pool = options.persist ? load_or_create_pool(dir, options, now) : create_pool(options, now);
    if (!pool) return std::unexpected(pool.error());
    return std::make_shared<PooledAuthority>(std::move(*pool));
  }
  auto material =
      options.persist ? load_or_create_material(dir, options, now) : create_material(options, now);
  if (!material) return std::unexpected(material.error());
  return std::make_shared<HierarchyAuthority>(std::move(*material));
}

}  // namespace cobble::ca
