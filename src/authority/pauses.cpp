#include "authority/pauses.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "acme/identifiers.hpp"
#include "authority/errors.hpp"
#include "common/log.hpp"
#include "common/text.hpp"

namespace cobble::authority {
namespace {

using acme::Problem;
using acme::ProblemType;

constexpr std::size_t kUnpauseBatch = 10'000;  // Boulder: 5 batches of 10,000 per click

// "a.example, b.example and possibly others", as Boulder words it.
std::string listing(const std::vector<std::string>& names, bool more) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += (i + 1 == names.size() && !more) ? " and " : ", ";
    out += names[i];
  }
  if (more) out += " and possibly others";
  return out;
}

}  // namespace

std::string Pauses::unpause_url(std::int64_t account_id, const std::vector<std::string>& identifiers,
                                const std::string& acme_base_url) const {
  std::vector<std::string> shown(
      identifiers.begin(),
      identifiers.begin() +
          static_cast<std::ptrdiff_t>(std::min(identifiers.size(), settings_.policy.max_listed_identifiers)));
  auto token = pause::make_unpause_token(settings_.secret, account_id, shown, clock_.now(),
                                         settings_.policy.link_lifetime);
  auto base = settings_.portal_base_url.empty() ? acme_base_url : settings_.portal_base_url;
  return base + "/sfe/v1/unpause?jwt=" + token;
}

acme::Result<void> Pauses::check_new_order(std::int64_t account_id,
                                           const std::vector<acme::Identifier>& identifiers,
                                           const std::string& acme_base_url) const {
  if (!settings_.enabled) return {};
  std::vector<storage::IdentifierRecord> wanted;
  for (const auto& id : identifiers) wanted.push_back({id.type, id.value});
  auto paused = store_.find_paused(account_id, wanted);
  if (!paused) {
    // Fails closed: an order is never let through because the pause check could not run.
    return acme::fail(internal_error("checking paused identifiers", paused.error()));
  }
  if (paused->empty()) return {};
  ++counters_.refused_orders;
  // The link names the account's paused identifiers, not only those of this order.
  auto all = store_.list_paused(account_id, settings_.policy.max_listed_identifiers + 1);
  std::vector<std::string> names;
  for (const auto& id : all ? *all : *paused) names.push_back(id.value);
  bool more = names.size() > settings_.policy.max_listed_identifiers;
  if (more) names.resize(settings_.policy.max_listed_identifiers);
  auto url = unpause_url(account_id, names, acme_base_url);
  auto detail =
      "Your account is temporarily prevented from requesting certificates for " + listing(names, more) +
      ", because validation of these identifiers failed too many times in a row. Please visit: " + url;
  if (settings_.boulder_compatible_problem) {
    return acme::fail(Problem::make(ProblemType::rate_limited, detail).with_header("Retry-After", "3600"));
  }
  auto problem = Problem::make(ProblemType::user_action_required, detail);
  problem.instance = url;
  problem.with_header("Link", "<" + url + ">;rel=\"help\"");
  return acme::fail(problem);
}

std::optional<storage::PauseBookkeeping> Pauses::bookkeeping(const ValidationTask& task) const {
  if (!settings_.enabled) return std::nullopt;
  storage::PauseBookkeeping book;
  book.account_id = task.account_id;
  book.pair = {task.identifier.type, task.wildcard ? "*." + task.identifier.value : task.identifier.value};
  book.now = clock_.now();
  book.grace = std::chrono::duration_cast<std::chrono::seconds>(settings_.policy.grace);
  book.failures = settings_.policy.failures;
  return book;
}

void Pauses::report(const ValidationTask& task, storage::PauseEffect effect) const {
  auto identifier = (task.wildcard ? "*." : "") + task.identifier.value;
  switch (effect) {
    case storage::PauseEffect::skipped_for_grace:
      ++counters_.skipped_for_grace;
      common::log_event(spdlog::level::info, "pause_skipped_for_grace",
                        {{"account", task.account_id}, {"identifier", identifier}},
                        "pause: account {} identifier {} not re-paused: unpaused within the grace period",
                        task.account_id, identifier);
      return;
    case storage::PauseEffect::paused:
      ++counters_.paused;
      break;
    case storage::PauseEffect::repaused:
      ++counters_.repaused;
      break;
    default:
      return;
  }
  PauseNotice notice;
  notice.account_id = task.account_id;
  notice.identifier = identifier;
  notice.repaused = effect == storage::PauseEffect::repaused;
  if (auto account = store_.find_account(task.account_id)) notice.contacts = account->contacts;
  auto base = settings_.portal_base_url.empty() ? settings_.default_base_url : settings_.portal_base_url;
  auto names = paused_identifiers(task.account_id, settings_.policy.max_listed_identifiers);
  notice.unpause_url =
      unpause_url(task.account_id, names && !names->empty() ? *names : std::vector{identifier}, base);
  std::string contacts;
  for (const auto& c : notice.contacts) contacts += (contacts.empty() ? "" : ", ") + c;
  // The link is a bearer token, so the log shows where it leads, not the token.
  auto portal = base + "/sfe/v1/unpause";
  common::log_event(
      spdlog::level::warn, "pause_notice",
      {{"account", task.account_id},
       {"identifier", identifier},
       {"repaused", notice.repaused},
       {"contacts", contacts},
       {"portal", portal}},
      "pause notice: account {} ({}) {} for {} after repeated failed validations; unpause at {}",
      task.account_id, contacts.empty() ? "no contacts" : contacts, notice.repaused ? "re-paused" : "paused",
      identifier, portal);
  if (notifier_) notifier_->notify(notice);
}

pause::TokenResult Pauses::verify_link(std::string_view jwt) const {
  return pause::verify_unpause_token(settings_.secret, jwt, clock_.now());
}

acme::Result<std::vector<std::string>> Pauses::paused_identifiers(std::int64_t account_id,
                                                                  std::size_t limit) const {
  auto paused = store_.list_paused(account_id, limit);
  if (!paused) return acme::fail(internal_error("listing paused identifiers", paused.error()));
  std::vector<std::string> out;
  for (const auto& id : *paused) out.push_back(id.value);
  return out;
}

acme::Result<std::size_t> Pauses::unpause_account(std::int64_t account_id) const {
  std::size_t total = 0;
  while (total < settings_.policy.max_unpaused_per_request) {
    auto batch = std::min(kUnpauseBatch, settings_.policy.max_unpaused_per_request - total);
    auto done = store_.unpause_account(account_id, batch, clock_.now());
    if (!done) return acme::fail(internal_error("unpausing", done.error()));
    total += *done;
    if (*done < batch) break;
  }
  counters_.unpaused += total;
  if (total > 0) {
    common::log_event(spdlog::level::info, "unpaused", {{"account", account_id}, {"identifiers", total}},
                      "pause: account {} unpaused {} identifier(s)", account_id, total);
  }
  return total;
}

acme::Result<storage::PauseEffect> Pauses::pause_pair(std::int64_t account_id,
                                                      const acme::Identifier& identifier) const {
  auto effect = store_.pause_pair(account_id, {identifier.type, identifier.value}, clock_.now(),
                                  std::chrono::duration_cast<std::chrono::seconds>(settings_.policy.grace));
  if (!effect) {
    if (is_not_found(effect.error()))
      return acme::fail(Problem::not_found("No account " + std::to_string(account_id)));
    return acme::fail(internal_error("pausing", effect.error()));
  }
  if (*effect == storage::PauseEffect::paused) ++counters_.paused;
  if (*effect == storage::PauseEffect::repaused) ++counters_.repaused;
  return *effect;
}

std::optional<acme::Identifier> parse_pair_identifier(std::string_view text) {
  auto colon = text.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  acme::Identifier id{std::string(text.substr(0, colon)), std::string(text.substr(colon + 1))};
  if (id.type == "ip") {
    auto canonical = acme::canonical_ip(id.value);
    if (!canonical) return std::nullopt;
    id.value = std::move(*canonical);
    return id;
  }
  if (id.type != "dns") return std::nullopt;
  id.value = common::ascii_lower(id.value);
  if (!acme::dns_name_problem(id.value).empty()) return std::nullopt;
  return id;
}

}  // namespace cobble::authority
