#pragma once

#include <optional>
#include <string>
#include <vector>

#include "acme/jws.hpp"
#include "acme/problem.hpp"
#include "acme/types.hpp"
#include "authority/ca_policy.hpp"
#include "authority/pauses.hpp"
#include "authority/rate_limits.hpp"
#include "ca/certificate_authority.hpp"
#include "ca/crl.hpp"
#include "common/clock.hpp"
#include "storage/store.hpp"

namespace cobble::authority {

struct NewOrder {
  std::vector<acme::Identifier> identifiers;  // decoded and normalised (acme::decode_identifiers)
  std::optional<common::TimePoint> not_before;
  std::optional<common::TimePoint> not_after;
  std::string acme_base_url;  // for links the refusal of a paused identifier carries
  std::string profile;        // draft-ietf-acme-profiles; "" = the default profile
  std::string replaces;       // RFC 9773 §5 certID; "" = none
};

// An order with the status a client sees (RFC 8555 §7.1.6).
struct OrderView {
  Order order;
  acme::OrderStatus status = acme::OrderStatus::pending;
};

// RFC 8555 §7.4: orders, their authorizations, finalization. Thread-safe.
class Orders {
 public:
  Orders(storage::Store& store, const common::Clock& clock, const Policy& policy,
         const ca::CertificateAuthority& ca, const Pauses* pauses = nullptr,
         RateLimits* rate_limits = nullptr)
      : store_(store), clock_(clock), policy_(policy), ca_(ca), pauses_(pauses), rate_limits_(rate_limits) {}

  // Creates an order and its authorizations in one transaction, reusing the account's valid
  // authorizations as policy.authz_reuse_percent says. First of all, refuses paused identifiers
  // (Pauses::check_new_order), then blocked ones (check_blocklist: rejectedIdentifier). malformed
  // for a bad notBefore/notAfter; invalidProfile for a profile not offered; for `replaces` (RFC 9773 §5):
  // malformed when the certID does not parse, names no certificate of this CA or shares no identifier with
  // the order, unauthorized when the certificate is another account's, alreadyReplaced (409) when a
  // non-invalid order already replaces it. Then the rate limits (RateLimits::check_new_order: 429
  // rateLimited), with Let's Encrypt's exemptions for an ARI renewal inside its window and for a
  // set of identifiers certified in the last 120 days; what they spent is given back if the order
  // cannot be stored.
  acme::Result<OrderView> create(const Account& account, const NewOrder& request) const;

  // The order `id` of `account`: malformed 404 when there is none, unauthorized when another
  // account owns it.
  acme::Result<OrderView> find(const Account& account, const std::string& id) const;

  // The account's current orders, `offset` on, at most `limit` (+1 to tell whether more follow).
  acme::Result<std::vector<std::string>> list(const Account& account, std::size_t offset,
                                              std::size_t limit) const;

  // §7.4: checks the CSR against the order and signs it as the order's profile says (validity,
  // CN promotion, EKUs), with the policy's CRL and OCSP URLs. orderNotReady unless the order is ready;
  // badCSR when the CSR does not parse, does not verify, names other identifiers, or uses
  // `account_key` (the key the finalize request was signed with). Signs, then stores certificate
  // and status in one transaction: orderNotReady when another finalization stored first; a
  // storage failure leaves the order ready.
  acme::Result<OrderView> finalize(const Account& account, const acme::PublicKey& account_key,
                                   const std::string& id, std::string_view csr_der) const;

  // Recovery: orders processing for at least `older_than` become invalid (the CSR is not kept). At
  // start-up of the only instance every processing order was interrupted by the crash (0 s); with
  // several instances, one processing for minutes was left by an instance that died (finalize
  // takes well under a second).
  void fail_interrupted(std::chrono::seconds older_than) const;

 private:
  acme::Result<OrderView> view(Order order) const;
  // The rate limits of a new order with Let's Encrypt's renewal exemptions (an ARI renewal inside its
  // window; the same identifier set certified within 120 days); what was spent, for a refund.
  acme::Result<std::vector<ratelimit::Transaction>> check_rate_limits(
      const Account& account, const NewOrder& request, const std::optional<Certificate>& replaced,
      common::TimePoint now) const;
  // RFC 9773 §5 checks of newOrder's `replaces`; on success the certificate it names and the
  // (failed) orders found replacing it, which insert_order re-checks (storage::ReplacementCheck).
  struct Replacement {
    Certificate certificate;
    std::vector<std::string> replacing_orders;
  };
  acme::Result<Replacement> check_replaces(const Account& account, const NewOrder& request) const;

  storage::Store& store_;
  const common::Clock& clock_;
  const Policy& policy_;
  const ca::CertificateAuthority& ca_;
  const Pauses* pauses_;     // null: pausing off
  RateLimits* rate_limits_;  // null: rate limits off
};

}  // namespace cobble::authority
