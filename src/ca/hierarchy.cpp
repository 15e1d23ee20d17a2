#include "ca/hierarchy.hpp"

#include <charconv>
#include <chrono>

#include "ca/x509_build.hpp"
#include "common/base64url.hpp"
#include "common/files.hpp"
#include "common/random.hpp"

namespace cobble::ca {
namespace {

constexpr auto kBackdate = std::chrono::hours(1);
constexpr auto kRootLifetime = std::chrono::days(365 * 30 + 7);
constexpr auto kIntermediateLifetime = std::chrono::days(365 * 10 + 2);

constexpr const char* kLeafIssuerKeyFile = "intermediate-key.pem";
constexpr const char* kLayoutFile = "chain-length";

std::string suffix(std::size_t chain) { return chain == 0 ? "" : "-" + std::to_string(chain); }
std::string root_file(std::size_t chain) { return "root" + suffix(chain) + ".pem"; }
std::string root_key_file(std::size_t chain) { return "root-key" + suffix(chain) + ".pem"; }
std::string leaf_issuer_file(std::size_t chain) { return "intermediate" + suffix(chain) + ".pem"; }
std::string upper_file(std::size_t chain, std::size_t level, bool key) {
  return "intermediate-" + std::to_string(chain) + "-" + std::to_string(level) + (key ? "-key.pem" : ".pem");
}

TimePoint start_of(TimePoint now) { return std::chrono::floor<std::chrono::seconds>(now) - kBackdate; }

}  // namespace

std::string random_suffix() { return common::hex_encode(common::random_bytes(3)); }

Result<Issuer> make_root(KeyAlgorithm algorithm, const std::string& common_name, TimePoint now) {
  auto key = ossl::generate_key(algorithm);
  if (!key) return std::unexpected(key.error());
  ossl::CertSpec spec;
  spec.common_name = common_name;
  spec.subject_key = key->get();
  spec.issuer_key = key->get();
  spec.not_before = start_of(now);
  spec.not_after = spec.not_before + kRootLifetime;
  spec.is_ca = true;
  spec.key_usage = "critical,keyCertSign,cRLSign";
  auto cert = ossl::build_certificate(spec);
  if (!cert) return std::unexpected(cert.error());
  return Issuer{std::move(*cert), std::move(*key)};
}

Result<ossl::Cert> make_intermediate(const std::string& common_name, EVP_PKEY* key, const Issuer& signer,
                                     int path_length, TimePoint now) {
  ossl::CertSpec spec;
  spec.common_name = common_name;
  spec.subject_key = key;
  spec.issuer = signer.cert.get();
  spec.issuer_key = signer.key.get();
  spec.not_before = start_of(now);
  spec.not_after = spec.not_before + kIntermediateLifetime;
  spec.is_ca = true;
  spec.path_length = path_length;
  spec.key_usage = "critical,digitalSignature,keyCertSign,cRLSign";
  return ossl::build_certificate(spec);
}

namespace {

Result<Issuer> make_root(const CaOptions& options, TimePoint now) {
  return make_root(options.key_algorithm, options.name + " Root CA " + random_suffix(), now);
}

// Everything under an existing root: the upper intermediates and this hierarchy's certificate for
// the shared leaf-issuing key.
Result<void> make_below_root(Hierarchy& h, const CaOptions& options, EVP_PKEY* leaf_issuer_key,
                             const std::string& leaf_issuer_name, TimePoint now) {
  h.upper.clear();
  const Issuer* signer = &h.root;
  // Top down: level chain_length is signed by the root, level 2 signs the leaf issuer.
  std::vector<Issuer> top_down;
  for (int level = options.chain_length; level >= 2; --level) {
    auto key = ossl::generate_key(options.key_algorithm);
    if (!key) return std::unexpected(key.error());
    auto cert =
        make_intermediate(options.name + " Intermediate CA L" + std::to_string(level) + " " + random_suffix(),
                          key->get(), *signer, level - 1, now);
    if (!cert) return std::unexpected(cert.error());
    top_down.push_back(Issuer{std::move(*cert), std::move(*key)});
    signer = &top_down.back();
  }
  auto leaf_issuer = make_intermediate(leaf_issuer_name, leaf_issuer_key, *signer, 0, now);
  if (!leaf_issuer) return std::unexpected(leaf_issuer.error());
  h.leaf_issuer = std::move(*leaf_issuer);
  for (auto it = top_down.rbegin(); it != top_down.rend(); ++it) h.upper.push_back(std::move(*it));
  return {};
}

std::string leaf_issuer_name_for(const CaOptions& options) {
  return options.name + " Intermediate CA " + random_suffix();
}

}  // namespace

Result<std::optional<std::string>> read(const std::filesystem::path& dir, const std::string& file) {
  return common::read_file_if_exists(dir / file);
}

common::Error bad_file(const std::filesystem::path& dir, const std::string& file, const std::string& why) {
  return {std::errc::invalid_argument, (dir / file).string() + ": " + why};
}

Result<ossl::Cert> load_cert(const std::filesystem::path& dir, const std::string& file) {
  auto text = read(dir, file);
  if (!text) return std::unexpected(text.error());
  if (!*text) return std::unexpected(bad_file(dir, file, "missing (incomplete CA)"));
  auto cert = ossl::cert_from_pem(**text);
  if (!cert) return std::unexpected(bad_file(dir, file, cert.error().message));
  return cert;
}

Result<ossl::PKey> load_key(const std::filesystem::path& dir, const std::string& file) {
  auto text = read(dir, file);
  if (!text) return std::unexpected(text.error());
  if (!*text) return std::unexpected(bad_file(dir, file, "missing (incomplete CA)"));
  auto key = ossl::key_from_pem(**text);
  if (!key) return std::unexpected(bad_file(dir, file, key.error().message));
  return key;
}

common::Error mismatch(const std::filesystem::path& dir, const std::string& what) {
  ossl::last_error();
  return {std::errc::invalid_argument, "CA files in " + dir.string() + " do not belong together: " + what};
}

bool issued_by(X509* cert, X509* issuer) {
  return X509_check_issued(issuer, cert) == X509_V_OK && X509_verify(cert, X509_get0_pubkey(issuer)) == 1;
}

Result<std::optional<Issuer>> load_issuer(const std::filesystem::path& dir, const std::string& cert_file,
                                          const std::string& key_file) {
  auto cert_text = read(dir, cert_file);
  if (!cert_text) return std::unexpected(cert_text.error());
  auto key_text = read(dir, key_file);
  if (!key_text) return std::unexpected(key_text.error());
  if (!*cert_text && !*key_text) return std::optional<Issuer>();
  auto cert = load_cert(dir, cert_file);
  if (!cert) return std::unexpected(cert.error());
  auto key = load_key(dir, key_file);
  if (!key) return std::unexpected(key.error());
  if (X509_check_private_key(cert->get(), key->get()) != 1)
    return std::unexpected(mismatch(dir, key_file + " is not the key of " + cert_file));
  return std::optional<Issuer>(Issuer{std::move(*cert), std::move(*key)});
}

namespace {

// The intermediates of a hierarchy whose files match the recorded chain length.
Result<void> load_below_root(Hierarchy& h, const std::filesystem::path& dir, std::size_t chain,
                             int chain_length, EVP_PKEY* leaf_issuer_key) {
  X509* signer = h.root.cert.get();
  std::string signer_file = root_file(chain);
  std::vector<Issuer> top_down;
  for (int level = chain_length; level >= 2; --level) {
    auto cert = load_cert(dir, upper_file(chain, level, false));
    if (!cert) return std::unexpected(cert.error());
    auto key = load_key(dir, upper_file(chain, level, true));
    if (!key) return std::unexpected(key.error());
    if (X509_check_private_key(cert->get(), key->get()) != 1)
      return std::unexpected(mismatch(
          dir, upper_file(chain, level, true) + " is not the key of " + upper_file(chain, level, false)));
    if (!issued_by(cert->get(), signer))
      return std::unexpected(
          mismatch(dir, upper_file(chain, level, false) + " was not issued by " + signer_file));
    top_down.push_back(Issuer{std::move(*cert), std::move(*key)});
    signer = top_down.back().cert.get();
    signer_file = upper_file(chain, level, false);
  }
  auto leaf_issuer = load_cert(dir, leaf_issuer_file(chain));
  if (!leaf_issuer) return std::unexpected(leaf_issuer.error());
  if (X509_check_private_key(leaf_issuer->get(), leaf_issuer_key) != 1)
    return std::unexpected(
        mismatch(dir, std::string(kLeafIssuerKeyFile) + " is not the key of " + leaf_issuer_file(chain)));
  if (!issued_by(leaf_issuer->get(), signer))
    return std::unexpected(mismatch(dir, leaf_issuer_file(chain) + " was not issued by " + signer_file));
  h.leaf_issuer = std::move(*leaf_issuer);
  for (auto it = top_down.rbegin(); it != top_down.rend(); ++it) h.upper.push_back(std::move(*it));
  return {};
}

// nullopt when neither the root nor its key exists.
Result<std::optional<Issuer>> load_root(const std::filesystem::path& dir, std::size_t chain) {
  return load_issuer(dir, root_file(chain), root_key_file(chain));
}

Result<int> recorded_chain_length(const std::filesystem::path& dir) {
  auto text = read(dir, kLayoutFile);
  if (!text) return std::unexpected(text.error());
  if (!*text) return 1;  // a CA made before this file existed has one intermediate
  std::string_view digits = **text;
  while (!digits.empty() && (digits.back() == '\n' || digits.back() == ' ')) digits.remove_suffix(1);
  int length = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), length);
  if (ec != std::errc() || end != digits.data() + digits.size() || length < 1)
    return std::unexpected(bad_file(dir, kLayoutFile, "expected a number of intermediates, 1 or more"));
  return length;
}

Result<void> save(const std::filesystem::path& dir, const CaMaterial& m, int chain_length) {
  if (auto r = common::ensure_directory(dir); !r) return r;
  if (auto r = common::write_file(dir / kLeafIssuerKeyFile, ossl::key_to_pem(m.leaf_issuer_key.get()), true);
      !r)
    return r;
  for (std::size_t n = 0; n < m.hierarchies.size(); ++n) {
    const Hierarchy& h = m.hierarchies[n];
    if (auto r = common::write_file(dir / root_key_file(n), ossl::key_to_pem(h.root.key.get()), true); !r)
      return r;
    for (std::size_t i = 0; i < h.upper.size(); ++i) {
      std::size_t level = i + 2;
      if (auto r = common::write_file(dir / upper_file(n, level, true),
                                      ossl::key_to_pem(h.upper[i].key.get()), true);
          !r)
        return r;
      if (auto r = common::write_file(dir / upper_file(n, level, false),
                                      ossl::cert_to_pem(h.upper[i].cert.get()), false);
          !r)
        return r;
    }
    if (auto r = common::write_file(dir / leaf_issuer_file(n), ossl::cert_to_pem(h.leaf_issuer.get()), false);
        !r)
      return r;
    if (auto r = common::write_file(dir / root_file(n), ossl::cert_to_pem(h.root.cert.get()), false); !r)
      return r;
  }
  return common::write_file(dir / kLayoutFile, std::to_string(chain_length) + "\n", false);
}

}  // namespace

Result<CaMaterial> create_material(const CaOptions& options, TimePoint now) {
  CaMaterial m;
  auto key = ossl::generate_key(options.key_algorithm);
  if (!key) return std::unexpected(key.error());
  m.leaf_issuer_key = std::move(*key);
  std::string leaf_issuer_name = leaf_issuer_name_for(options);
  for (int n = 0; n <= options.alternate_roots; ++n) {
    Hierarchy h;
    auto root = make_root(options, now);
    if (!root) return std::unexpected(root.error());
    h.root = std::move(*root);
    if (auto r = make_below_root(h, options, m.leaf_issuer_key.get(), leaf_issuer_name, now); !r)
      return std::unexpected(r.error());
    m.hierarchies.push_back(std::move(h));
  }
  return m;
}

Result<CaMaterial> load_or_create_material(const std::filesystem::path& dir, const CaOptions& options,
                                           TimePoint now) {
  auto root0 = load_root(dir, 0);
  if (!root0) return std::unexpected(root0.error());
  auto key_text = read(dir, kLeafIssuerKeyFile);
  if (!key_text) return std::unexpected(key_text.error());
  auto leaf0_text = read(dir, leaf_issuer_file(0));
  if (!leaf0_text) return std::unexpected(leaf0_text.error());
  if (!*root0 && !*key_text && !*leaf0_text) {
    // First start.
    auto created = create_material(options, now);
    if (!created) return created;
    if (auto saved = save(dir, *created, options.chain_length); !saved) return std::unexpected(saved.error());
    return created;
  }
  if (!*root0) return std::unexpected(bad_file(dir, root_file(0), "missing (incomplete CA)"));
  auto recorded = recorded_chain_length(dir);
  if (!recorded) return std::unexpected(recorded.error());
  bool relength = *recorded != options.chain_length;

  CaMaterial m;
  auto key = load_key(dir, kLeafIssuerKeyFile);
  if (!key) return std::unexpected(key.error());
  m.leaf_issuer_key = std::move(*key);
  auto leaf0 = load_cert(dir, leaf_issuer_file(0));
  if (!leaf0) return std::unexpected(leaf0.error());
  // Every hierarchy certifies the leaf-issuing key under hierarchy 0's subject.
  std::string leaf_issuer_name =
      ossl::common_name_of(X509_get_subject_name(leaf0->get())).value_or(leaf_issuer_name_for(options));

  bool changed = relength;
  for (int n = 0; n <= options.alternate_roots; ++n) {
    auto chain = static_cast<std::size_t>(n);
    Hierarchy h;
    std::optional<Issuer> root;
    if (n == 0) {
      root = std::move(*root0);
    } else {
      auto loaded = load_root(dir, chain);
      if (!loaded) return std::unexpected(loaded.error());
      root = std::move(*loaded);
    }
    bool fresh = !root;
    if (fresh) {
      auto made = make_root(options, now);
      if (!made) return std::unexpected(made.error());
      root = std::move(*made);
      changed = true;
    }
    h.root = std::move(*root);
    bool remake = fresh || relength;
    if (!remake) {
      auto loaded = load_below_root(h, dir, chain, options.chain_length, m.leaf_issuer_key.get());
      // An alternate hierarchy left unused while the chain length changed has intermediates of
      // the old length: keep its root and re-make the rest. Hierarchy 0 must be whole.
      if (!loaded && n == 0) return std::unexpected(loaded.error());
      remake = !loaded;
    }
    if (remake) {
      changed = true;
      if (auto r = make_below_root(h, options, m.leaf_issuer_key.get(), leaf_issuer_name, now); !r)
        return std::unexpected(r.error());
    }
    m.hierarchies.push_back(std::move(h));
  }
  if (changed) {
    if (auto saved = save(dir, m, options.chain_length); !saved) return std::unexpected(saved.error());
  }
  return m;
}

}  // namespace cobble::ca
