#include "authority/orders.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "acme/identifiers.hpp"
#include "acme/json_text.hpp"
#include "acme/jws.hpp"
#include "acme/status_rules.hpp"
#include "authority/blocklist.hpp"
#include "authority/errors.hpp"
#include "authority/issuance.hpp"
#include "authority/profiles.hpp"
#include "authority/renewal_info.hpp"
#include "common/random.hpp"
#include "common/text.hpp"

namespace cobble::authority {
namespace {

using acme::Problem;
using acme::ProblemType;

bool reuse_roll(int percent) {
  if (percent <= 0) return false;
  if (percent >= 100) return true;
  auto byte = static_cast<unsigned char>(common::random_bytes(1)[0]);
  return static_cast<int>(byte % 100) < percent;
}

// Which challenges an identifier gets. RFC 8555 §7.1.3: a wildcard only DNS-based ones;
// RFC 8738 §7: an IP address only http-01 and tls-alpn-01 (no DNS name to hold a TXT record).
std::vector<std::string> challenge_types(const acme::Identifier& id, bool wildcard, const Policy& policy) {
  if (id.type == "ip") return {"http-01", "tls-alpn-01"};
  std::vector<std::string> types = wildcard ? std::vector<std::string>{"dns-01"}
                                            : std::vector<std::string>{"http-01", "dns-01", "tls-alpn-01"};
  if (policy.dns_account01_enabled) types.push_back("dns-account-01");
  if (policy.dns_persist01_enabled) types.push_back("dns-persist-01");
  return types;
}

Authorization new_authz(std::int64_t account_id, const acme::Identifier& id, common::TimePoint expires,
                        const Policy& policy) {
  Authorization authz;
  authz.id = common::random_token(24);
  authz.account_id = account_id;
  authz.wildcard = id.value.starts_with("*.");
  authz.identifier = {id.type, authz.wildcard ? id.value.substr(2) : id.value};
  authz.expires = expires;
  for (const auto& type : challenge_types(id, authz.wildcard, policy)) {
    storage::ChallengeRecord challenge;
    challenge.id = common::random_token(24);
    challenge.authz_id = authz.id;
    challenge.type = type;
    challenge.token = common::random_token(32);  // §8.1: at least 128 bits of entropy
    authz.challenges.push_back(std::move(challenge));
  }
  return authz;
}

// Let's Encrypt's renewal exemption: the same identifier set certified this recently.
constexpr auto kSameSetRenewalWindow = std::chrono::days(120);

// RFC 8555 §7.4: notBefore/notAfter are optional; refuses (malformed) what Cobble cannot honour.
acme::Result<void> check_validity_window(const NewOrder& request, common::TimePoint now, const Policy& policy,
                                         const Profile& profile) {
  if (!policy.accept_order_validity && (request.not_before || request.not_after)) {
    return acme::fail(Problem::malformed(
        "This CA does not accept notBefore or notAfter in newOrder (as Let's Encrypt); the profile "
        "sets the validity"));
  }
  if (request.not_before && request.not_after && *request.not_before >= *request.not_after) {
    return acme::fail(Problem::malformed("notBefore must be earlier than notAfter"));
  }
  if (request.not_after && *request.not_after <= now) {
    return acme::fail(Problem::malformed("notAfter is in the past"));
  }
  auto start = request.not_before.value_or(now);
  if (request.not_before && *request.not_before > now + profile.order_lifetime) {
    return acme::fail(
        Problem::malformed("notBefore is too far in the future (at most the order's lifetime, " +
                           std::to_string(profile.order_lifetime.count() / 3600) + " hours)"));
  }
  // A certificate must not claim to have been valid before it was issued (backdating); an hour
  // covers clock skew and is what Cobble (like Boulder) backdates by itself.
  if (request.not_before && *request.not_before < now - kMaxBackdate) {
    return acme::fail(Problem::malformed("notBefore may be at most one hour in the past"));
  }
  if (request.not_after && *request.not_after - start > policy.max_certificate_validity) {
    return acme::fail(Problem::malformed("The requested validity exceeds the maximum of " +
                                         std::to_string(policy.max_certificate_validity.count() / 86400) +
                                         " days"));
  }
  return {};
}

}  // namespace

acme::Result<OrderView> Orders::view(Order order) const {
  auto now = clock_.now();
  auto stored = order.status;
  std::vector<acme::AuthzStatus> statuses;
  // Only a pending or ready order's status depends on its authorizations (effective_order_status).
  bool needs_authzs = stored == acme::OrderStatus::pending || stored == acme::OrderStatus::ready;
  for (std::size_t i = 0; needs_authzs && i < order.authz_ids.size(); ++i) {
    auto authz = store_.find_authz(order.authz_ids[i]);
    if (!authz) return acme::fail(internal_error("loading an order's authorizations", authz.error()));
    statuses.push_back(acme::effective_authz_status(authz->status, authz->expires, now));
  }
  auto status = acme::effective_order_status(stored, order.expires, now, statuses);
  return OrderView{std::move(order), status};
}

acme::Result<OrderView> Orders::create(const Account& account, const NewOrder& request) const {
  // docs/pausing.md: the pause check runs before every other new-order rule, renewals included.
  if (pauses_) {
    if (auto ok = pauses_->check_new_order(account.id, request.identifiers, request.acme_base_url); !ok) {
      return acme::fail(ok.error());
    }
  }
  if (auto allowed = check_blocklist(policy_.domain_blocklist, request.identifiers); !allowed) {
    return acme::fail(allowed.error());
  }
  auto now = clock_.now();
  auto profile = choose_profile(policy_, request.profile);
  if (!profile) return acme::fail(profile.error());
  if (auto fits = check_profile_identifiers(policy_, *profile, request.identifiers); !fits) {
    return acme::fail(fits.error());
  }
  if (auto window = check_validity_window(request, now, policy_, *profile); !window) {
    return acme::fail(window.error());
  }
  std::optional<Certificate> replaced;
  storage::ReplacementCheck replacement_check;
  if (!request.replaces.empty()) {
    auto found = check_replaces(account, request);
    if (!found) return acme::fail(found.error());
    replaced = std::move(found->certificate);
    replacement_check.replacing_orders = std::move(found->replacing_orders);
  }
  auto spent = check_rate_limits(account, request, replaced, now);
  if (!spent) return acme::fail(spent.error());

  Order order;
  order.id = common::random_token(24);
  order.profile = profile->name;
  order.replaces = request.replaces;
  order.replaces_serial = replaced ? replaced->serial : "";
  order.account_id = account.id;
  order.created_at = now;
  order.expires = now + profile->order_lifetime;
  order.not_before = request.not_before;
  order.not_after = request.not_after;
  std::vector<Authorization> fresh;
  std::vector<acme::AuthzStatus> statuses;  // of order.authz_ids, for the view returned
  for (const auto& id : request.identifiers) {
    order.identifiers.push_back({id.type, id.value});
    bool wildcard = id.value.starts_with("*.");
    storage::IdentifierRecord base{id.type, wildcard ? id.value.substr(2) : id.value};
    if (reuse_roll(policy_.authz_reuse_percent)) {
      // Only authorizations made under this profile: its reuse window (valid_authz_lifetime) holds.
      auto reused = store_.find_valid_authz({.account_id = account.id,
                                             .identifier = base,
                                             .wildcard = wildcard,
                                             .now = now,
                                             .profile = profile->name});
      if (reused) {
        order.authz_ids.push_back(reused->id);
        statuses.push_back(acme::AuthzStatus::valid);  // find_valid_authz: valid and unexpired
        continue;
      }
      if (!is_not_found(reused.error()))
        return acme::fail(internal_error("looking up authorizations", reused.error()));
    }
    fresh.push_back(new_authz(account.id, id, now + profile->pending_authz_lifetime, policy_));
    fresh.back().profile = profile->name;
    order.authz_ids.push_back(fresh.back().id);
    statuses.push_back(acme::AuthzStatus::pending);
  }
  if (auto r = store_.insert_order(order, fresh, replacement_check); !r) {
    if (rate_limits_) rate_limits_->refund(*spent);
    if (replacement_check.replacing_orders && r.error().code == std::errc::operation_not_permitted) {
      return acme::fail(Problem::make(ProblemType::already_replaced,
                                      "Certificate " + order.replaces_serial +
                                          " was replaced by another order a moment ago; order without "
                                          "\"replaces\" or let that order fail"));
    }
    return acme::fail(internal_error("storing an order", r.error()));
  }
  // Built from what was just stored: reading it back would cost a transaction per new order.
  auto status = acme::effective_order_status(acme::OrderStatus::pending, order.expires, now, statuses);
  return OrderView{std::move(order), status};
}

acme::Result<std::vector<ratelimit::Transaction>> Orders::check_rate_limits(
    const Account& account, const NewOrder& request, const std::optional<Certificate>& replaced,
    common::TimePoint now) const {
  if (!rate_limits_ || !rate_limits_->enabled()) return std::vector<ratelimit::Transaction>{};
  OrderExemptions exemptions;
  exemptions.ari_renewal = replaced && now >= renewal_window_start(*replaced, now);
  auto recent = store_.has_certificate_for_set(RateLimits::identifier_set_key(request.identifiers),
                                               now - kSameSetRenewalWindow);
  exemptions.recent_same_set = recent && *recent;  // a failed lookup grants no exemption
  return rate_limits_->check_new_order(account.id, request.identifiers, exemptions);
}

acme::Result<Orders::Replacement> Orders::check_replaces(const Account& account,
                                                         const NewOrder& request) const {
  auto id = parse_cert_id(request.replaces);
  if (!id) return acme::fail(Problem::malformed("\"replaces\": " + id.error().detail));
  if (!is_issuer_key_id(ca_, id->key_id)) {
    return acme::fail(Problem::malformed(
        "\"replaces\" names a certificate this CA did not issue (its key identifier is not our "
        "intermediate's)"));
  }
  auto cert = store_.find_certificate(id->serial);
  if (!cert) {
    if (is_not_found(cert.error()))
      return acme::fail(
          Problem::malformed("\"replaces\" names serial " + id->serial + ", which this CA never issued"));
    return acme::fail(internal_error("loading a replaced certificate", cert.error()));
  }
  if (!signed_under(ca_, *cert, id->key_id)) {
    return acme::fail(Problem::malformed("\"replaces\" names serial " + id->serial +
                                         " with the key identifier of another of this CA's intermediates"));
  }
  if (cert->account_id != account.id) {
    return acme::fail(Problem::unauthorized("The certificate \"replaces\" names belongs to another account"));
  }
  // RFC 9773 §5: the replacement shares at least one identifier with its predecessor.
  bool shared = std::any_of(cert->identifiers.begin(), cert->identifiers.end(), [&](const auto& old) {
    return std::any_of(request.identifiers.begin(), request.identifiers.end(),
                       [&](const auto& id) { return id.type == old.type && id.value == old.value; });
  });
  if (!shared) {
    return acme::fail(Problem::malformed(
        "The certificate \"replaces\" names shares no identifier with this order (RFC 9773 §5)"));
  }
  auto others = store_.find_orders_replacing(id->serial);
  if (!others) return acme::fail(internal_error("finding replacement orders", others.error()));
  std::vector<std::string> replacing;
  for (auto& other : *others) {
    replacing.push_back(other.id);
    auto seen = view(std::move(other));
    if (!seen) return acme::fail(seen.error());
    if (seen->status != acme::OrderStatus::invalid) {
      return acme::fail(Problem::make(ProblemType::already_replaced,
                                      "Certificate " + id->serial + " is already replaced by order " +
                                          seen->order.id + " (" + std::string(acme::to_string(seen->status)) +
                                          "); order without \"replaces\" or let that order fail"));
    }
  }
  return Replacement{std::move(*cert), std::move(replacing)};
}

acme::Result<OrderView> Orders::find(const Account& account, const std::string& id) const {
  auto order = store_.find_order(id);
  if (!order) {
    if (is_not_found(order.error())) return acme::fail(Problem::not_found("No order " + id));
    return acme::fail(internal_error("loading an order", order.error()));
  }
  if (order->account_id != account.id) {
    return acme::fail(Problem::unauthorized("This order belongs to another account"));
  }
  return view(std::move(*order));
}

acme::Result<std::vector<std::string>> Orders::list(const Account& account, std::size_t offset,
                                                    std::size_t limit) const {
  auto ids = store_.list_order_ids(account.id, clock_.now(), offset, limit);
  if (!ids) return acme::fail(internal_error("listing orders", ids.error()));
  return *ids;
}

acme::Result<OrderView> Orders::finalize(const Account& account, const acme::PublicKey& account_key,
                                         const std::string& id, std::string_view csr_der) const {
  auto current = find(account, id);
  if (!current) return current;
  if (current->status != acme::OrderStatus::ready) {
    return acme::fail(Problem::make(ProblemType::order_not_ready,
                                    "The order is " + std::string(acme::to_string(current->status)) +
                                        ", not ready: finalize once every authorization is valid"));
  }
  auto csr = ca::parse_csr(csr_der, policy_.key_policy.certificate);
  if (!csr)
    return acme::fail(
        Problem::make(ProblemType::bad_csr, "The CSR is not acceptable: " + csr.error().message));
  if (auto names = check_csr_names(*csr, current->order.identifiers); !names)
    return std::unexpected(names.error());
  if (account_key.spki_der() == csr->spki_der) {
    return acme::fail(Problem::make(ProblemType::bad_csr, "The CSR must not use the account's key"));
  }

  // Signed first, stored in one transaction after (no "processing" write before): a crash while
  // signing leaves the order ready to finalize again, and of two finalizations at once the first to
  // commit wins while the other's certificate, never stored or sent, is dropped.
  auto issued = ca_.issue(issue_request(policy_, current->order, *csr, clock_.now()));
  if (!issued) {
    auto problem = internal_error("signing a certificate", issued.error());
    (void)store_.fail_order(id, acme::json_text(acme::to_json(problem)));
    return acme::fail(problem);
  }
  storage::CertificateRecord cert;
  cert.serial = issued->serial;
  cert.account_id = account.id;
  cert.order_id = id;
  cert.chain_pem = issued->chain_pem;
  cert.issuer = issued->issuer;
  cert.key_spki = csr->spki_der;
  cert.identifiers = current->order.identifiers;
  cert.not_before = issued->not_before;
  cert.not_after = issued->not_after;
  std::vector<acme::Identifier> identifiers;
  for (const auto& each : cert.identifiers) identifiers.push_back({each.type, each.value});
  cert.identifier_set = RateLimits::identifier_set_key(identifiers);
  if (auto r = store_.complete_order(id, cert); !r) {
    if (r.error().code == std::errc::operation_not_permitted) {
      return acme::fail(Problem::make(ProblemType::order_not_ready,
                                      "The order was finalized by another request meanwhile"));
    }
    // Nothing was stored: the order is still ready, and the client may finalize it again.
    return acme::fail(internal_error("storing a certificate", r.error()));
  }
  if (rate_limits_) rate_limits_->spend_issuance(identifiers);
  // What complete_order stored; reading it back would cost two more transactions per issuance.
  current->order.status = acme::OrderStatus::valid;
  current->order.certificate_serial = issued->serial;
  current->status = acme::OrderStatus::valid;
  return *current;
}

void Orders::fail_interrupted(std::chrono::seconds older_than) const {
  auto ids = store_.find_processing_orders(older_than);
  if (!ids) {
    spdlog::error("cannot list interrupted orders: {}", ids.error().message);
    return;
  }
  auto problem = Problem::server_internal(
      "Finalization was interrupted (the server finalizing it stopped); create a new order");
  for (const auto& id : *ids) {
    if (auto r = store_.fail_order(id, acme::json_text(acme::to_json(problem))); !r) {
      spdlog::error("cannot fail interrupted order {}: {}", id, r.error().message);
    } else {
      spdlog::warn("order {} was interrupted while finalizing; marked invalid", id);
    }
  }
}

}  // namespace cobble::authority
