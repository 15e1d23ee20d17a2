#include "populate/populate.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <vector>

namespace cobble::populate {
namespace {

using namespace std::chrono_literals;
using storage::AccountRecord;
using storage::AuthzRecord;
using storage::BulkRows;
using storage::ChallengeRecord;
using storage::IdentifierRecord;
using storage::OrderRecord;
using storage::ValidationAttemptRecord;
using Steady = std::chrono::steady_clock;

constexpr auto kSpread = std::chrono::hours(24 * 30);

// A deterministic spread of times over the 30 days before `now`.
common::TimePoint past(common::TimePoint now, std::int64_t n) {
  auto step = std::chrono::duration_cast<std::chrono::microseconds>(kSpread).count();
  return now - std::chrono::microseconds((n * 7919 * 1'000'003) % step);
}

// The name account `account` validates `n`-th; a few names per account, as a real client has.
IdentifierRecord name_of(const std::string& tag, std::int64_t account, std::int64_t n) {
  return {"dns", fmt::format("a{}-{}.{}.populate.example", account, n % 3, tag)};
}

AccountRecord make_account(const std::string& tag, std::int64_t n, common::TimePoint now) {
  // 43 characters like an RFC 7638 SHA-256 thumbprint; unique per run and index.
  std::string thumbprint = fmt::format("pop{}{:0>{}}", tag, n, 40 - tag.size());
  return AccountRecord{
      .key_thumbprint = thumbprint,
      .jwk = fmt::format(R"({{"crv":"P-256","kty":"EC","x":"{}","y":"{}"}})", thumbprint, thumbprint),
      .contacts = {fmt::format("mailto:admin{}@populate.example", n)},
      .created_at = past(now, n)};
}

// One order for one name with its authorization and the three usual challenges; older ones
// (over 7 days) validated and expired, recent ones pending, as a long-running CA accumulates.
storage::BulkOrder make_order(const std::string& tag, std::int64_t account_id, std::int64_t n,
                              common::TimePoint now) {
  std::string id = fmt::format("p{}o{}", tag, n);
  common::TimePoint created = past(now, n);
  bool old = created < now - 7 * 24h;
  IdentifierRecord name = name_of(tag, account_id, n);
  AuthzRecord authz{.id = fmt::format("p{}z{}", tag, n),
                    .account_id = account_id,
                    .identifier = name,
                    .status = old ? storage::AuthzStatus::valid : storage::AuthzStatus::pending,
                    .expires = created + 7 * 24h};
  for (const char* type : {"http-01", "dns-01", "tls-alpn-01"}) {
    ChallengeRecord challenge{.id = fmt::format("p{}c{}-{}", tag, n, type),
                              .type = type,
                              .token = fmt::format("token-{}-{}-{}", tag, n, type),
                              .status = old && type[0] == 'h' ? storage::ChallengeStatus::valid
                                                              : storage::ChallengeStatus::pending};
    if (challenge.status == storage::ChallengeStatus::valid) challenge.validated_at = created + 1s;
    authz.challenges.push_back(std::move(challenge));
  }
  // An old order ends "invalid" (a refused finalize) rather than "valid": a valid order names a
  // certificate, and these rows carry none.
  OrderRecord order{
      .id = id,
      .account_id = account_id,
      .status = old ? storage::OrderStatus::invalid : storage::OrderStatus::pending,
      .created_at = created,
      .expires = created + 7 * 24h,
      .identifiers = {name},
      .authz_ids = {authz.id},
      .error = old ? R"({"type":"urn:ietf:params:acme:error:badCSR","detail":"populated"})" : ""};
  return {std::move(order), {std::move(authz)}};
}

// Mostly failures, the rows zombie clients leave behind (the pausing feature's input).
ValidationAttemptRecord make_attempt(const std::string& tag, std::int64_t account_id, std::int64_t n,
                                     common::TimePoint now) {
  common::TimePoint started = past(now, n);
  bool valid = n % 10 == 0;
  ValidationAttemptRecord attempt{
      .account_id = account_id,
      .identifier = name_of(tag, account_id, n),
      .method = "http-01",
      .started_at = started,
      .finished_at = started + 150ms,
      .result = valid ? storage::ChallengeStatus::valid : storage::ChallengeStatus::invalid,
      .addresses = {"192.0.2.10"}};
  if (!valid) {
    attempt.problem_type = "urn:ietf:params:acme:error:connection";
    attempt.problem_detail = "192.0.2.10: Fetching http://" + attempt.identifier.value +
                             "/.well-known/acme-challenge/x: Connection refused";
  }
  return attempt;
}

}  // namespace

common::Result<Totals> populate(storage::Store& store, const Plan& plan, common::TimePoint now,
                                const std::function<void(const Progress&)>& report) {
  const auto start = Steady::now();
  auto elapsed = [&] { return std::chrono::duration<double>(Steady::now() - start).count(); };
  const std::string tag = fmt::format(
      "{:x}", std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count());
  const std::int64_t batch = std::max<std::int64_t>(plan.batch, 1);
  Totals totals;

  std::vector<std::int64_t> account_ids;
  account_ids.reserve(static_cast<std::size_t>(plan.accounts));
  while (totals.accounts < plan.accounts) {
    BulkRows rows;
    for (std::int64_t i = 0; i < batch && totals.accounts + i < plan.accounts; ++i)
      rows.accounts.push_back(make_account(tag, totals.accounts + i, now));
    auto ids = store.insert_bulk(rows);
    if (!ids) return std::unexpected(ids.error());
    account_ids.insert(account_ids.end(), ids->begin(), ids->end());
    totals.accounts += static_cast<std::int64_t>(ids->size());
    report({"accounts", totals.accounts, plan.accounts, elapsed()});
  }
  totals.accounts_s = elapsed();
  if (account_ids.empty()) {
    totals.elapsed_s = elapsed();
    return totals;
  }

  const std::int64_t every = std::max<std::int64_t>(plan.order_every, 1);
  const std::int64_t order_total = ((plan.accounts + every - 1) / every) * plan.orders_per_account;
  BulkRows rows;
  std::size_t pending = 0;
  auto flush = [&](const char* phase, std::int64_t done, std::int64_t total) -> common::Result<void> {
    if (pending == 0) return {};
    if (auto stored = store.insert_bulk(rows); !stored) return std::unexpected(stored.error());
    rows = {};
    pending = 0;
    report({phase, done, total, elapsed()});
    return {};
  };
  for (std::int64_t a = 0; a < plan.accounts; a += every) {
    for (std::int64_t k = 0; k < plan.orders_per_account; ++k) {
      rows.orders.push_back(make_order(tag, account_ids[static_cast<std::size_t>(a)], totals.orders++, now));
      pending += 7;  // order, identifier, link, authorization, three challenges
      if (pending >= static_cast<std::size_t>(batch)) {
        if (auto flushed = flush("orders", totals.orders, order_total); !flushed)
          return std::unexpected(flushed.error());
      }
    }
  }
  if (auto flushed = flush("orders", totals.orders, order_total); !flushed)
    return std::unexpected(flushed.error());
  totals.orders_s = elapsed() - totals.accounts_s;

  // Account by account (the index on account_id then grows at its end, not at random places).
  const auto count = static_cast<std::int64_t>(account_ids.size());
  for (std::int64_t a = 0; a < count; ++a) {
    std::int64_t share = plan.attempts / count + (a < plan.attempts % count ? 1 : 0);
    for (std::int64_t j = 0; j < share; ++j) {
      rows.attempts.push_back(
          make_attempt(tag, account_ids[static_cast<std::size_t>(a)], totals.attempts++, now));
      if (++pending >= static_cast<std::size_t>(batch)) {
        if (auto flushed = flush("attempts", totals.attempts, plan.attempts); !flushed)
          return std::unexpected(flushed.error());
      }
    }
  }
  if (auto flushed = flush("attempts", totals.attempts, plan.attempts); !flushed)
    return std::unexpected(flushed.error());
  totals.elapsed_s = elapsed();
  totals.attempts_s = totals.elapsed_s - totals.accounts_s - totals.orders_s;
  return totals;
}

}  // namespace cobble::populate
