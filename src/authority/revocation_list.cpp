#include "authority/revocation_list.hpp"

#include <spdlog/spdlog.h>

#include "authority/errors.hpp"
#include "ca/crl.hpp"

namespace cobble::authority {

acme::Result<std::string> RevocationList::current() {
  std::lock_guard lock(mu_);
  auto now = clock_.now();
  if (!der_.empty() && now >= made_at_ && now < made_at_ + refresh_) return der_;

  auto revoked = store_.list_revoked(now);
  if (!revoked) return acme::fail(internal_error("listing revoked certificates", revoked.error()));
  ca::CrlRequest request;
  request.this_update = now;
  request.next_update = now + std::max<std::chrono::seconds>(refresh_, std::chrono::hours(24));
  // RFC 5280 §5.2.3: CRL numbers increase; seconds since the epoch keep doing so across restarts.
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  number_ = std::max<std::uint64_t>(number_ + 1, seconds > 0 ? static_cast<std::uint64_t>(seconds) : 0);
  request.number = number_;
  for (const auto& r : *revoked) request.revoked.push_back({r.serial, r.revoked_at, r.reason});
  auto der = ca::sign_crl(ca_, request);
  if (!der) return acme::fail(internal_error("signing a CRL", der.error()));
  der_ = std::move(*der);
  made_at_ = now;
  spdlog::debug("CRL {} made with {} entries", number_, request.revoked.size());
  return der_;
}

}  // namespace cobble::authority
