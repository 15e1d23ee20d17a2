#include "ratelimit/request_limits.hpp"

#include <chrono>

namespace cobble::ratelimit {
namespace {

common::gcra::Limit as_limit(const RequestRate& rate) {
  return common::gcra::Limit{rate.burst, rate.per_second, std::chrono::seconds(1)};
}

}  // namespace

const RequestRate* RequestLimitTable::find(const std::string& endpoint) const {
  if (auto it = endpoints.find(endpoint); it != endpoints.end()) return &it->second;
  return other ? &*other : nullptr;
}

RequestLimitTable RequestLimitTable::lets_encrypt_production() {
  RequestLimitTable table;
  table.endpoints = {{"newNonce", {20, 10}},    {"newAccount", {5, 15}},      {"newOrder", {300, 200}},
                     {"revokeCert", {10, 100}}, {"renewalInfo", {1000, 100}}, {"directory", {40, 40}}};
  table.other = RequestRate{250, 125};
  return table;
}

RequestLimitTable RequestLimitTable::lets_encrypt_staging() {
  auto table = lets_encrypt_production();
  table.endpoints["newOrder"] = {20, 40};
  table.other = RequestRate{20, 20};
  return table;
}

RequestLimiter::RequestLimiter(const common::Clock& clock, RequestLimitTable table, std::size_t sweep_above)
    : clock_(clock), table_(std::move(table)), sweep_above_(sweep_above) {}

std::optional<common::gcra::Duration> RequestLimiter::admit(const std::string& endpoint,
                                                            const std::string& client) {
  const auto* rate = table_.find(endpoint);
  if (rate == nullptr) return std::nullopt;
  auto limit = as_limit(*rate);
  auto now = clock_.now();
  std::lock_guard lock(mu_);
  if (tats_.size() > sweep_above_)
    std::erase_if(tats_, [&](const auto& entry) { return entry.second <= now; });
  auto key = endpoint + " " + client;
  auto it = tats_.find(key);
  auto result = common::gcra::spend(limit, it == tats_.end() ? std::nullopt : std::optional(it->second), now);
  if (!result.allowed) return result.retry_in;
  tats_[key] = result.new_tat;
  return std::nullopt;
}

std::size_t RequestLimiter::tracked() const {
  std::lock_guard lock(mu_);
  return tats_.size();
}

}  // namespace cobble::ratelimit
