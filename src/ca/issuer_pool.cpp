#include "ca/issuer_pool.hpp"

#include <optional>

#include "common/files.hpp"

namespace cobble::ca {
namespace {

struct KeyType {
  bool rsa;
  const char* file_part;  // in root file names
  char id_letter;         // in issuer ids and file names: r1, e2
  char name_letter;       // in certificate names: R1, E2
  const char* label;
  KeyAlgorithm root_algorithm;
  KeyAlgorithm issuer_algorithm;
};
// Let's Encrypt's: RSA 4096 root over RSA 2048 intermediates; P-384 root over P-384 intermediates.
constexpr KeyType kKeyTypes[] = {
    {true, "rsa", 'r', 'R', "RSA", KeyAlgorithm::rsa_4096, KeyAlgorithm::rsa_2048},
    {false, "ecdsa", 'e', 'E', "ECDSA", KeyAlgorithm::ecdsa_p384, KeyAlgorithm::ecdsa_p384},
};

std::string root_file(const KeyType& t, bool key) {
  return std::string("root-") + t.file_part + (key ? "-key.pem" : ".pem");
}
std::string issuer_file(const std::string& id, bool key) {
  return "intermediate-" + id + (key ? "-key.pem" : ".pem");
}

Result<Issuer> make_pool_root(const CaOptions& options, const KeyType& t, TimePoint now) {
  return make_root(t.root_algorithm, options.name + " Root " + t.label + " " + random_suffix(), now);
}

Result<Issuer> make_pool_intermediate(const CaOptions& options, const KeyType& t, int n, const Issuer& root,
                                      TimePoint now) {
  auto key = ossl::generate_key(t.issuer_algorithm);
  if (!key) return std::unexpected(key.error());
  auto cert = make_intermediate(
      options.name + " Intermediate " + t.name_letter + std::to_string(n) + " " + random_suffix(), key->get(),
      root, 0, now);
  if (!cert) return std::unexpected(cert.error());
  return Issuer{std::move(*cert), std::move(*key)};
}

// The issuer kept in `dir` as cert_file and key_file, else a new one from make(), saved there.
// Without a directory (an ephemeral CA) always a new one.
template <class Make>
Result<Issuer> load_or_make(const std::optional<std::filesystem::path>& dir, const std::string& cert_file,
                            const std::string& key_file, Make make) {
  if (dir) {
    auto loaded = load_issuer(*dir, cert_file, key_file);
    if (!loaded) return std::unexpected(loaded.error());
    if (*loaded) return std::move(**loaded);
  }
  auto made = make();
  if (!made || !dir) return made;
  if (auto r = common::write_file(*dir / key_file, ossl::key_to_pem(made->key.get()), true); !r)
    return std::unexpected(r.error());
  if (auto r = common::write_file(*dir / cert_file, ossl::cert_to_pem(made->cert.get()), false); !r)
    return std::unexpected(r.error());
  return made;
}

Result<IssuerPool> build_pool(const std::optional<std::filesystem::path>& dir, const CaOptions& options,
                              TimePoint now) {
  IssuerPool pool;
  for (const auto& t : kKeyTypes) {
    auto root = load_or_make(dir, root_file(t, false), root_file(t, true),
                             [&] { return make_pool_root(options, t, now); });
    if (!root) return std::unexpected(root.error());
    pool.roots.push_back(std::move(*root));
  }
  for (std::size_t r = 0; r < std::size(kKeyTypes); ++r) {
    const auto& t = kKeyTypes[r];
    const auto& root = pool.roots[r];
    for (int n = 1; n <= options.issuers_per_key_type; ++n) {
      auto id = t.id_letter + std::to_string(n);
      auto issuer = load_or_make(dir, issuer_file(id, false), issuer_file(id, true),
                                 [&] { return make_pool_intermediate(options, t, n, root, now); });
      if (!issuer) return std::unexpected(issuer.error());
      // A file left from another root (a partly restored data dir) would serve unverifiable chains.
      if (!issued_by(issuer->cert.get(), root.cert.get()))
        return std::unexpected(
            mismatch(dir.value_or(""), issuer_file(id, false) + " was not issued by " + root_file(t, false)));
      pool.issuers.push_back(PooledIssuer{std::move(id), t.rsa, std::move(*issuer), r});
    }
  }
  return pool;
}

}  // namespace

Result<IssuerPool> create_pool(const CaOptions& options, TimePoint now) {
  return build_pool(std::nullopt, options, now);
}

Result<IssuerPool> load_or_create_pool(const std::filesystem::path& dir, const CaOptions& options,
                                       TimePoint now) {
  if (auto r = common::ensure_directory(dir); !r) return std::unexpected(r.error());
  return build_pool(dir, options, now);
}

}  // namespace cobble::ca
