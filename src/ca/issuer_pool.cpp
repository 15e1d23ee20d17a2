#include "ca/issuer_pool.hpp"

#include "common/files.hpp"

namespace cobble::ca {
namespace {

struct KeyType {
  bool rsa;
  const char* file_part;  // in root file names
  char id_letter;
  const char* label;
  KeyAlgorithm root_algorithm;
  KeyAlgorithm issuer_algorithm;
};
// Let's Encrypt's: RSA 4096 root over RSA 2048 intermediates; P-384 root over P-384 intermediates.
constexpr KeyType kKeyTypes[] = {
    {true, "rsa", 'r', "RSA", KeyAlgorithm::rsa_4096, KeyAlgorithm::rsa_2048},
    {false, "ecdsa", 'e', "ECDSA", KeyAlgorithm::ecdsa_p384, KeyAlgorithm::ecdsa_p384},
};

std::string root_file(const KeyType& t, bool key) {
  return std::string("root-") + t.file_part + (key ? "-key.pem" : ".pem");
}
std::string issuer_file(const std::string& id, bool key) {
  return "intermediate-" + id + (key ? "-key.pem" : ".pem");
}
std::string issuer_id(const KeyType& t, int n) { return t.id_letter + std::to_string(n); }

Result<Issuer> make_pool_root(const CaOptions& options, const KeyType& t, TimePoint now) {
  return make_root(t.root_algorithm, options.name + " Root " + t.label + " " + random_suffix(), now);
}

Result<PooledIssuer> make_pool_issuer(const CaOptions& options, const KeyType& t, int n, const Issuer& root,
                                      std::size_t root_index, TimePoint now) {
  auto key = ossl::generate_key(t.issuer_algorithm);
  if (!key) return std::unexpected(key.error());
  auto id = issuer_id(t, n);
  std::string upper_id = id;
  for (auto& c : upper_id) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto cert = make_intermediate(options.name + " Intermediate " + upper_id + " " + random_suffix(),
                                key->get(), root, 0, now);
  if (!cert) return std::unexpected(cert.error());
  return PooledIssuer{id, t.rsa, Issuer{std::move(*cert), std::move(*key)}, root_index};
}

Result<void> save_issuer(const std::filesystem::path& dir, const std::string& cert_file,
                         const std::string& key_file, const Issuer& issuer) {
  if (auto r = common::write_file(dir / key_file, ossl::key_to_pem(issuer.key.get()), true); !r) return r;
  return common::write_file(dir / cert_file, ossl::cert_to_pem(issuer.cert.get()), false);
}

}  // namespace

Result<IssuerPool> create_pool(const CaOptions& options, TimePoint now) {
  IssuerPool pool;
  for (const auto& t : kKeyTypes) {
    auto root = make_pool_root(options, t, now);
    if (!root) return std::unexpected(root.error());
    pool.roots.push_back(std::move(*root));
  }
  for (std::size_t r = 0; r < std::size(kKeyTypes); ++r) {
    for (int n = 1; n <= options.issuers_per_key_type; ++n) {
      auto issuer = make_pool_issuer(options, kKeyTypes[r], n, pool.roots[r], r, now);
      if (!issuer) return std::unexpected(issuer.error());
      pool.issuers.push_back(std::move(*issuer));
    }
  }
  return pool;
}

Result<IssuerPool> load_or_create_pool(const std::filesystem::path& dir, const CaOptions& options,
                                       TimePoint now) {
  if (auto r = common::ensure_directory(dir); !r) return std::unexpected(r.error());
  IssuerPool pool;
  for (const auto& t : kKeyTypes) {
    auto loaded = load_issuer(dir, root_file(t, false), root_file(t, true));
    if (!loaded) return std::unexpected(loaded.error());
    if (*loaded) {
      pool.roots.push_back(std::move(**loaded));
      continue;
    }
    auto made = make_pool_root(options, t, now);
    if (!made) return std::unexpected(made.error());
    if (auto saved = save_issuer(dir, root_file(t, false), root_file(t, true), *made); !saved)
      return std::unexpected(saved.error());
    pool.roots.push_back(std::move(*made));
  }
  for (std::size_t r = 0; r < std::size(kKeyTypes); ++r) {
    const auto& t = kKeyTypes[r];
    for (int n = 1; n <= options.issuers_per_key_type; ++n) {
      auto id = issuer_id(t, n);
      auto loaded = load_issuer(dir, issuer_file(id, false), issuer_file(id, true));
      if (!loaded) return std::unexpected(loaded.error());
      if (*loaded) {
        if (!issued_by((*loaded)->cert.get(), pool.roots[r].cert.get()))
          return std::unexpected(
              mismatch(dir, issuer_file(id, false) + " was not issued by " + root_file(t, false)));
        pool.issuers.push_back(PooledIssuer{id, t.rsa, std::move(**loaded), r});
        continue;
      }
      auto made = make_pool_issuer(options, t, n, pool.roots[r], r, now);
      if (!made) return std::unexpected(made.error());
      if (auto saved = save_issuer(dir, issuer_file(id, false), issuer_file(id, true), made->issuer); !saved)
        return std::unexpected(saved.error());
      pool.issuers.push_back(std::move(*made));
    }
  }
  return pool;
}

}  // namespace cobble::ca
