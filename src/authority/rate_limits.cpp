#include "authority/rate_limits.hpp"

#include "authority/errors.hpp"
#include "authority/rate_limit_json.hpp"
#include "common/random.hpp"

namespace cobble::authority {
namespace {

using ratelimit::Action;
using ratelimit::Transaction;

std::vector<ratelimit::Identifier> plain(const std::vector<acme::Identifier>& identifiers) {
  std::vector<ratelimit::Identifier> out;
  out.reserve(identifiers.size());
  for (const auto& id : identifiers) out.push_back({id.type, id.value});
  return out;
}

std::vector<Transaction> registration_transactions(const std::string& client_address) {
  std::vector<Transaction> transactions{{ratelimit::registrations_per_ip(client_address)}};
  if (auto range = ratelimit::registrations_per_ipv6_range(client_address)) transactions.push_back({*range});
  return transactions;
}

}  // namespace

common::Result<std::map<std::string, common::TimePoint>> StoreBuckets::load(
    const std::vector<std::string>& keys) {
  return store_.find_rate_limit_buckets(keys);
}

common::Result<bool> StoreBuckets::apply(const std::vector<ratelimit::BucketChange>& changes) {
  std::vector<storage::RateLimitBucketChange> rows;
  rows.reserve(changes.size());
  for (const auto& change : changes) rows.push_back({change.key, change.expected, change.tat});
  return store_.update_rate_limit_buckets(rows);
}

RateLimits::RateLimits(storage::Store& store, const common::Clock& clock, ratelimit::LimitTable table)
    : store_(store), buckets_(store), clock_(clock), limiter_(buckets_, clock, std::move(table)) {}

acme::Result<std::vector<BucketState>> RateLimits::list(const std::string& prefix, std::size_t limit) const {
  auto rows = store_.list_rate_limit_buckets(prefix, limit);
  if (!rows) return acme::fail(internal_error("listing rate-limit buckets", rows.error()));
  auto now = clock_.now();
  auto table = limiter_.table();
  std::vector<BucketState> states;
  for (const auto& [key, tat] : *rows) {
    BucketState state{.key = key, .limit = key.substr(0, key.find(':')), .tat = tat, .full_at = tat};
    auto name = ratelimit::limit_named(state.limit);
    if (const auto* values = name ? table.find(*name, key) : nullptr) {
      state.tokens = common::gcra::tokens_available(*values, tat, now);
      state.burst = values->burst;
    }
    states.push_back(std::move(state));
  }
  return states;
}

acme::Result<void> RateLimits::set_override(const std::string& bucket_key,
                                            std::optional<common::gcra::Limit> limit) {
  if (auto ok = check_bucket_key(bucket_key); !ok)
    return acme::fail(acme::Problem::malformed(ok.error().message));
  limiter_.set_override(bucket_key, limit);
  return {};
}

acme::Result<std::size_t> RateLimits::reset(const std::string& prefix) const {
  auto deleted = store_.delete_rate_limit_buckets(prefix);
  if (!deleted) return acme::fail(internal_error("resetting rate-limit buckets", deleted.error()));
  return *deleted;
}

acme::Problem RateLimits::refusal(const ratelimit::Denial& denial) const {
  auto docs = limiter_.table().docs_url;
  auto retry_after = ratelimit::retry_after_seconds(denial.retry_in, common::random_unit());
  return acme::Problem::make(acme::ProblemType::rate_limited,
                             ratelimit::refusal_detail(denial, clock_.now(), docs))
      .with_status(429)
      .with_header("Retry-After", std::to_string(retry_after))
      .with_header("Link",
                   "<" + docs + "#" + std::string(ratelimit::docs_anchor(denial.limit)) + ">;rel=\"help\"");
}

acme::Result<void> RateLimits::decide(const std::vector<Transaction>& transactions) {
  auto decision = limiter_.check_and_spend(transactions);
  if (decision.denial) return acme::fail(refusal(*decision.denial));
  return {};
}

acme::Result<void> RateLimits::check_new_account(const std::string& client_address) {
  if (!enabled()) return {};
  return decide(registration_transactions(client_address));
}

void RateLimits::refund_new_account(const std::string& client_address) {
  if (enabled()) limiter_.refund(registration_transactions(client_address));
}

acme::Result<std::vector<Transaction>> RateLimits::check_new_order(
    std::int64_t account_id, const std::vector<acme::Identifier>& identifiers,
    const OrderExemptions& exemptions) {
  if (!enabled() || exemptions.ari_renewal) return std::vector<Transaction>{};
  auto ids = plain(identifiers);
  std::vector<Transaction> transactions;
  if (!exemptions.recent_same_set) transactions.push_back({ratelimit::orders_per_account(account_id)});
  for (const auto& id : ids) {
    transactions.push_back({ratelimit::failed_authorizations(account_id, id), Action::check_only});
  }
  if (!exemptions.recent_same_set) {
    for (auto& key : ratelimit::certificates_per_domain(domains_, ids)) {
      transactions.push_back({std::move(key), Action::check_only});
    }
  }
  transactions.push_back({ratelimit::certificates_per_fqdn_set(ids), Action::check_only});
  if (auto decided = decide(transactions); !decided) return acme::fail(decided.error());
  std::vector<Transaction> spent;
  for (auto& t : transactions) {
    if (t.action == Action::check_and_spend) spent.push_back(std::move(t));
  }
  return spent;
}

void RateLimits::refund(const std::vector<Transaction>& spent) {
  if (enabled()) limiter_.refund(spent);
}

void RateLimits::spend_failed_authorization(std::int64_t account_id, const acme::Identifier& identifier) {
  if (!enabled()) return;
  limiter_.check_and_spend(
      {{ratelimit::failed_authorizations(account_id, {identifier.type, identifier.value}),
        Action::spend_only}});
}

void RateLimits::spend_issuance(const std::vector<acme::Identifier>& identifiers) {
  if (!enabled()) return;
  auto ids = plain(identifiers);
  std::vector<Transaction> transactions;
  for (auto& key : ratelimit::certificates_per_domain(domains_, ids)) {
    transactions.push_back({std::move(key), Action::spend_only});
  }
  transactions.push_back({ratelimit::certificates_per_fqdn_set(ids), Action::spend_only});
  limiter_.check_and_spend(transactions);
}

std::string RateLimits::identifier_set_key(const std::vector<acme::Identifier>& identifiers) {
  return ratelimit::certificates_per_fqdn_set(plain(identifiers)).id;
}

}  // namespace cobble::authority
