#pragma once

// Internal to ca/: the CA's certificate hierarchies (Pebble's alternate roots and chain length)
// and how they are kept in the data dir.

#include <filesystem>
#include <string>
#include <vector>

#include "ca/certificate_authority.hpp"
#include "ca/openssl.hpp"

namespace cobble::ca {

struct Issuer {
  ossl::Cert cert;
  ossl::PKey key;
};

// One root and the intermediates under it. Every hierarchy certifies the same leaf-issuing key
// under the same subject (cross-signing, as Pebble and Let's Encrypt do), so a leaf verifies up
// any of them.
struct Hierarchy {
  Issuer root;
  std::vector<Issuer> upper;  // intermediates above the leaf issuer: [0] signs it, the last is signed by root
  ossl::Cert leaf_issuer;     // this hierarchy's certificate for the shared leaf-issuing key
};

struct CaMaterial {
  ossl::PKey leaf_issuer_key;
  std::vector<Hierarchy> hierarchies;  // [0] is the default chain
};

// Shared by the hierarchies and the issuer pool (ca/issuer_pool.hpp).
std::string random_suffix();  // six hex digits that keep each new CA's names apart
// A self-signed root (keyCertSign, cRLSign), valid 30 years from an hour ago.
Result<Issuer> make_root(KeyAlgorithm algorithm, const std::string& common_name, TimePoint now);
// An intermediate for `key`, signed by `signer`, valid 10 years from an hour ago.
Result<ossl::Cert> make_intermediate(const std::string& common_name, EVP_PKEY* key, const Issuer& signer,
                                     int path_length, TimePoint now);
// A certificate and its key from `dir`, checked to belong together; nullopt when neither file
// exists; invalid_argument when one is missing, unparsable or not the other's.
Result<std::optional<Issuer>> load_issuer(const std::filesystem::path& dir, const std::string& cert_file,
                                          const std::string& key_file);
Result<std::optional<std::string>> read(const std::filesystem::path& dir, const std::string& file);
Result<ossl::Cert> load_cert(const std::filesystem::path& dir, const std::string& file);
Result<ossl::PKey> load_key(const std::filesystem::path& dir, const std::string& file);
common::Error bad_file(const std::filesystem::path& dir, const std::string& file, const std::string& why);
common::Error mismatch(const std::filesystem::path& dir, const std::string& what);
bool issued_by(X509* cert, X509* issuer);  // issuer's name and signature

// Creates fresh material: 1 + options.alternate_roots hierarchies, options.chain_length
// intermediates each.
Result<CaMaterial> create_material(const CaOptions& options, TimePoint now);

// Loads the material kept in `dir`, completing it to what `options` asks for, and writes back
// what it made. Files: root.pem, root-key.pem, intermediate.pem, intermediate-key.pem (hierarchy
// 0 and the shared leaf-issuing key, the names of a single-chain CA); root-N.pem, root-key-N.pem,
// intermediate-N.pem for alternate N; intermediate-N-L.pem and intermediate-N-L-key.pem for level
// L ≥ 2 of hierarchy N when chainLength > 1; chain-length records the chain length.
// Changing the counts between starts keeps every root and the leaf-issuing key: more alternate
// roots adds hierarchies, fewer leaves the extra files unused; another chain length re-makes the
// intermediates between each root and the leaf issuer (old leafs still verify: same issuer key
// and subject); an alternate hierarchy whose intermediates are missing or do not fit (left unused
// while the length changed) gets new ones under its kept root. errc::invalid_argument when files are
// incomplete, unparsable or do not belong together; errc::io_error when they cannot be read or written.
Result<CaMaterial> load_or_create_material(const std::filesystem::path& dir, const CaOptions& options,
                                           TimePoint now);

}  // namespace cobble::ca
