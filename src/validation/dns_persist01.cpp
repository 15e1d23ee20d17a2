#include "validation/dns_persist01.hpp"

#include <algorithm>
#include <charconv>

#include "common/text.hpp"
#include "validation/dns01.hpp"

namespace cobble::validation {
namespace {

using common::trim;

constexpr std::size_t kMaxShownRecord = 200;

std::string issuer_name(std::string_view s) {
  auto out = common::ascii_lower(trim(s));
  if (out.ends_with('.')) out.pop_back();
  return out;
}

}  // namespace

std::expected<PersistRecord, std::string> parse_persist_record(std::string_view text) {
  PersistRecord record;
  auto semicolon = text.find(';');
  record.issuer = issuer_name(text.substr(0, semicolon));
  if (record.issuer.empty() || record.issuer.find_first_of(" \t=") != std::string::npos) {
    return std::unexpected(std::string("it does not start with an issuer domain name"));
  }
  std::vector<std::string> seen;
  bool have_account = false;
  while (semicolon != std::string_view::npos) {
    text.remove_prefix(semicolon + 1);
    semicolon = text.find(';');
    auto parameter = trim(text.substr(0, semicolon));
    if (parameter.empty() && semicolon == std::string_view::npos) break;  // a trailing ";"
    auto equals = parameter.find('=');
    if (equals == std::string_view::npos) {
      return std::unexpected("the parameter \"" + common::printable(parameter) + "\" has no \"=\"");
    }
    auto key = common::ascii_lower(trim(parameter.substr(0, equals)));
    auto value = trim(parameter.substr(equals + 1));
    if (key.empty()) return std::unexpected(std::string("a parameter has no name"));
    if (std::ranges::find(seen, key) != seen.end()) {
      return std::unexpected("the parameter \"" + common::printable(key) + "\" appears twice");
    }
    seen.push_back(key);
    if (key == "accounturi") {
      if (value.empty()) return std::unexpected(std::string("accounturi is empty"));
      record.account_uri = std::string(value);
      have_account = true;
    } else if (key == "policy") {
      record.wildcard_policy = common::ascii_lower(value) == "wildcard";
    } else if (key == "persistuntil") {
      std::int64_t until = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), until);
      if (ec != std::errc() || end != value.data() + value.size() || until < 0) {
        return std::unexpected("persistUntil \"" + common::printable(value) + "\" is not a Unix time");
      }
      record.persist_until = until;
    }
  }
  if (!have_account) return std::unexpected(std::string("it has no accounturi parameter"));
  return record;
}

std::string persist_record_refusal(const PersistRecord& record, const Request& request,
                                   const std::vector<std::string>& issuer_domain_names) {
  bool ours = std::ranges::any_of(
      issuer_domain_names, [&](const std::string& name) { return issuer_name(name) == record.issuer; });
  if (!ours) {
    std::string list;
    for (const auto& name : issuer_domain_names) list += (list.empty() ? "" : ", ") + name;
    return "it names the issuer \"" + common::printable(record.issuer) + "\", not this CA (" + list + ")";
  }
  if (record.account_uri != request.account_url) {
    return "its accounturi \"" + common::printable(record.account_uri, 300) +
           "\" is not this account's URL \"" + request.account_url + "\"";
  }
  if (request.wildcard && !record.wildcard_policy) {
    return "the order is for *." + request.identifier.value + " and the record has no \"policy=wildcard\"";
  }
  if (record.persist_until && *record.persist_until < request.now_unix) {
    return "its persistUntil (" + std::to_string(*record.persist_until) + ") has passed (now " +
           std::to_string(request.now_unix) + ")";
  }
  return "";
}

boost::asio::awaitable<Outcome> validate_dns_persist01(Resolver& resolver, const Request& request,
                                                       std::vector<std::string> issuer_domain_names) {
  const Request req = request;  // copied: the caller's may not outlive the lookup
  const std::string name = "_validation-persist." + req.identifier.value;
  auto records = co_await resolver.lookup_txt(name);
  if (!records) {
    co_return txt_lookup_failed(records.error(), name);
  }
  // Any one well-formed record naming this CA and this account authorizes; explain the most
  // relevant refusal otherwise (a record for this CA beats a malformed one or another CA's).
  std::string why;
  int relevance = -1;
  for (const auto& text : *records) {
    auto shown = "\"" + common::printable(text, kMaxShownRecord) + "\"";
    auto record = parse_persist_record(text);
    if (!record) {
      if (relevance < 0) why = "the record " + shown + " is malformed: " + record.error(), relevance = 0;
      continue;
    }
    auto refusal = persist_record_refusal(*record, req, issuer_domain_names);
    if (refusal.empty()) co_return Outcome{};
    int r = refusal.starts_with("it names the issuer") ? 1 : 2;
    if (r > relevance)
      why = "the record " + shown + " does not authorize this request: " + refusal, relevance = r;
  }
  co_return failed(acme::ProblemType::unauthorized, "No valid dns-persist-01 record at " + name + ": " + why);
}

}  // namespace cobble::validation
