#pragma once

#include <string>
#include <string_view>

#include "common/result.hpp"

namespace cobble::ca {

// Where the CRLs of the intermediate are published. Unsharded (shards == 0): one CRL at
// `<base>0` listing everything. Sharded as Boulder shards (shards N > 0): a certificate belongs to
// shard (serial mod N) + 1, named in its CRL distribution point as `<base><shard>.crl`; `<base>0`
// still lists everything. base "" = no CRL URL in certificates.
struct CrlLayout {
  std::string base;  // e.g. "http://ca.test/crl/"
  int shards = 0;
};

// The shard (1..shards) of a certificate by its serial (lowercase or uppercase hex); 0 when
// unsharded. invalid_argument for a serial that is not hex.
common::Result<int> crl_shard_of(std::string_view serial_hex, int shards);
// The URL of CRL `shard` (0: the whole list), "" when layout.base is. With several issuers each
// publishes its own CRLs under `<base><issuer>/` (Let's Encrypt: one host per intermediate).
std::string crl_url_of(const CrlLayout& layout, int shard, std::string_view issuer = {});

}  // namespace cobble::ca
