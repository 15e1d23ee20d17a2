#include "api/management/validations.hpp"

#include <charconv>
#include <nlohmann/json.hpp>

#include "api/json_reply.hpp"
#include "common/clock.hpp"

namespace cobble::api {
namespace {

using acme::Problem;

constexpr std::size_t kDefaultLimit = 20;
constexpr std::size_t kMaxLimit = 100;

nlohmann::json problem_json(const std::string& type, const std::string& detail) {
  return {{"type", type}, {"detail", detail}};
}

nlohmann::json perspective_json(const storage::PerspectiveRecord& p) {
  nlohmann::json out = {{"name", p.name}, {"status", common::to_string(p.result)}};
  if (!p.rir.empty()) out["rir"] = p.rir;
  if (!p.problem_type.empty()) out["problem"] = problem_json(p.problem_type, p.problem_detail);
  return out;
}

nlohmann::json attempt_json(const storage::ValidationAttemptRecord& a) {
  nlohmann::json out = {{"id", a.id},
                        {"method", a.method},
                        {"startedAt", common::to_rfc3339(a.started_at)},
                        {"finishedAt", common::to_rfc3339(a.finished_at)},
                        {"status", common::to_string(a.result)},
                        {"addresses", a.addresses},
                        {"redirects", a.redirects}};
  if (!a.problem_type.empty()) out["problem"] = problem_json(a.problem_type, a.problem_detail);
  if (!a.perspectives.empty()) {
    out["perspectives"] = nlohmann::json::array();
    for (const auto& p : a.perspectives) out["perspectives"].push_back(perspective_json(p));
  }
  return out;
}

}  // namespace

acme::Result<std::size_t> limit_param(std::string_view query, std::size_t fallback, std::size_t most) {
  auto text = query_param(query, "limit");
  if (!text) return fallback;
  std::size_t limit = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), limit);
  if (ec != std::errc() || end != text->data() + text->size() || limit == 0 || limit > most) {
    return acme::fail(Problem::malformed("limit must be 1 to " + std::to_string(most)));
  }
  return limit;
}

acme::Result<std::int64_t> account_param(std::string_view query) {
  auto text = query_param(query, "account");
  if (!text) return acme::fail(Problem::malformed("Give ?account=<id>"));
  std::int64_t account = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), account);
  if (ec != std::errc() || end != text->data() + text->size() || account <= 0) {
    return acme::fail(Problem::malformed("account must be a positive id"));
  }
  return account;
}

acme::Result<Reply> validations(Context& ctx, ManagementServices& s) {
  if (!s.challenges) return acme::fail(Problem::server_internal("Validations are not kept on this server"));
  const auto& query = ctx.request.query;
  auto account = account_param(query);
  if (!account) return acme::fail(account.error());
  auto identifier = authority::parse_pair_identifier(query_param(query, "identifier").value_or(""));
  if (!identifier) {
    return acme::fail(Problem::malformed("Give &identifier=dns:<name> or &identifier=ip:<address>"));
  }
  if (identifier->value.starts_with("*.")) identifier->value.erase(0, 2);
  auto limit = limit_param(query, kDefaultLimit, kMaxLimit);
  if (!limit) return acme::fail(limit.error());
  auto attempts = s.challenges->recent_validations(*account, *identifier, *limit);
  if (!attempts) return acme::fail(attempts.error());
  nlohmann::json list = nlohmann::json::array();
  for (const auto& attempt : *attempts) list.push_back(attempt_json(attempt));
  return json_reply({{"account", *account},
                     {"identifier", identifier->type + ":" + identifier->value},
                     {"validations", std::move(list)}});
}

}  // namespace cobble::api
