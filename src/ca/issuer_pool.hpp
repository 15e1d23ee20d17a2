#pragma once

// Internal to ca/: Let's Encrypt's layout of issuers (late 2026, "Gen Y"): an RSA root and an
// ECDSA root, each over N leaf-issuing intermediates of its own key type; a leaf is signed by one
// of its key type's intermediates picked at random, so clients cannot pin one.

#include <filesystem>
#include <string>
#include <vector>

#include "ca/certificate_authority.hpp"
#include "ca/hierarchy.hpp"

namespace cobble::ca {

struct PooledIssuer {
  std::string id;  // "r1".."rN" (RSA 2048, under the RSA root), "e1".."eN" (P-384, under the ECDSA root)
  bool rsa = false;
  Issuer issuer;
  std::size_t root = 0;  // index in IssuerPool::roots
};

struct IssuerPool {
  std::vector<Issuer> roots;          // [0] RSA 4096, [1] ECDSA P-384
  std::vector<PooledIssuer> issuers;  // r1..rN, then e1..eN
};

// Fresh roots and options.issuers_per_key_type intermediates of each key type.
Result<IssuerPool> create_pool(const CaOptions& options, TimePoint now);

// The pool kept in `dir` (root-rsa.pem, root-rsa-key.pem, root-ecdsa.pem, root-ecdsa-key.pem,
// intermediate-<id>.pem, intermediate-<id>-key.pem), made on first start and completed when more
// intermediates are asked for (fewer leaves the extra ones unused). errc::invalid_argument when
// files are incomplete, unparsable or do not belong together; errc::io_error when they cannot be
// read or written.
Result<IssuerPool> load_or_create_pool(const std::filesystem::path& dir, const CaOptions& options,
                                       TimePoint now);

}  // namespace cobble::ca
