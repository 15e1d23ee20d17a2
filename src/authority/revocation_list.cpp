#include "authority/revocation_list.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "authority/errors.hpp"
#include "ca/crl.hpp"

namespace cobble::authority {

namespace {

// At least a second between CRLs, and never a nextUpdate before the next CRL is made.
RevocationList::Settings normalized(RevocationList::Settings s) {
  s.refresh = std::max(s.refresh, std::chrono::seconds(1));
  s.lifetime = std::max(s.lifetime, s.refresh);
  return s;
}

}  // namespace

RevocationList::RevocationList(storage::Store& store, const common::Clock& clock,
                               const ca::CertificateAuthority& ca, Settings settings)
    : store_(store), clock_(clock), ca_(ca), settings_(normalized(std::move(settings))) {}

acme::Result<std::string> RevocationList::current(const std::string& issuer, int shard) {
  const auto& issuers = ca_.issuers();
  if (std::none_of(issuers.begin(), issuers.end(), [&](const auto& i) { return i.id == issuer; })) {
    std::string known;
    for (const auto& i : issuers) known += (known.empty() ? "" : ", ") + i.id;
    return acme::fail(acme::Problem::not_found("There is no intermediate \"" + issuer +
                                               "\" publishing CRLs here (there are: " + known + ")"));
  }
  if (shard < 0 || shard > std::max(settings_.layout.shards, 0)) {
    std::string offered = settings_.layout.shards > 0
                              ? "0 (all) and 1.." + std::to_string(settings_.layout.shards)
                              : std::string("only 0");
    return acme::fail(acme::Problem::not_found("There is no CRL " + std::to_string(shard) +
                                               "; this CA publishes " + offered));
  }
  std::lock_guard lock(mu_);
  auto now = clock_.now();
  const auto key = std::make_pair(issuer, shard);
  if (auto it = made_.find(key);
      it != made_.end() && now >= it->second.at && now < it->second.at + settings_.refresh) {
    return it->second.der;
  }

  auto revoked = store_.list_revoked(now);
  if (!revoked) return acme::fail(internal_error("listing revoked certificates", revoked.error()));
  ca::CrlRequest request;
  request.this_update = now;
  request.next_update = now + settings_.lifetime - std::chrono::seconds(1);
  request.distribution_point = ca::crl_url_of(settings_.layout, shard, issuer);
  request.issuer = issuer;
  // RFC 5280 §5.2.3: CRL numbers increase; seconds since the epoch keep doing so across restarts.
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  number_ = std::max<std::uint64_t>(number_ + 1, seconds > 0 ? static_cast<std::uint64_t>(seconds) : 0);
  request.number = number_;
  for (const auto& r : *revoked) {
    if (r.issuer != issuer) continue;
    auto of = ca::crl_shard_of(r.serial, settings_.layout.shards);
    if (!of) return acme::fail(internal_error("sharding the CRL", of.error()));
    if (shard == 0 || *of == shard) request.revoked.push_back({r.serial, r.revoked_at, r.reason});
  }
  auto der = ca::sign_crl(ca_, request);
  if (!der) return acme::fail(internal_error("signing a CRL", der.error()));
  made_[key] = Made{std::move(*der), now};
  spdlog::debug("CRL {} ({}shard {}) made with {} entries", number_, issuer.empty() ? "" : issuer + " ",
                shard, request.revoked.size());
  return made_[key].der;
}

}  // namespace cobble::authority
