#include "validation/caa.hpp"

#include <algorithm>

#include "common/text.hpp"
#include "validation/targets.hpp"

namespace cobble::validation {
namespace {

using common::trim;

constexpr int kCriticalFlag = 128;

bool known_tag(const std::string& tag) {
  static const char* kKnown[] = {"issue",    "issuewild",    "iodef",       "issuemail",
                                 "issuevmc", "contactemail", "contactphone"};
  return std::ranges::any_of(kKnown, [&](const char* known) { return tag == known; });
}

// Why one issue/issuewild value does not authorize this request ("" when it does).
std::string value_refusal(std::string_view value, const Request& request,
                          const std::vector<std::string>& issuers) {
  auto semicolon = value.find(';');
  auto issuer = common::ascii_lower(trim(value.substr(0, semicolon)));
  if (issuer.ends_with('.')) issuer.pop_back();
  if (issuer.empty()) return "it authorizes no CA";
  if (std::ranges::none_of(issuers,
                           [&](const std::string& ours) { return common::ascii_lower(ours) == issuer; })) {
    return "it names another CA";
  }
  while (semicolon != std::string_view::npos) {
    value.remove_prefix(semicolon + 1);
    semicolon = value.find(';');
    auto parameter = trim(value.substr(0, semicolon));
    if (parameter.empty()) continue;
    auto equals = parameter.find('=');
    if (equals == std::string_view::npos) return "it has a malformed parameter";
    auto key = common::ascii_lower(trim(parameter.substr(0, equals)));
    auto text = trim(parameter.substr(equals + 1));
    // RFC 8657 §3: the account URL must match exactly.
    if (key == "accounturi" && text != request.account_url) {
      return "its accounturi is not this account (" + request.account_url + ")";
    }
    // RFC 8657 §4: a comma-separated list of ACME method names.
    if (key == "validationmethods") {
      bool listed = false;
      std::string_view methods = text;
      while (!methods.empty()) {
        auto comma = methods.find(',');
        if (trim(methods.substr(0, comma)) == request.type) listed = true;
        if (comma == std::string_view::npos) break;
        methods.remove_prefix(comma + 1);
      }
      if (!listed) return "its validationmethods do not include " + request.type;
    }
  }
  return "";
}

acme::Problem caa_problem(const std::string& domain, const std::string& detail) {
  auto p = acme::Problem::make(acme::ProblemType::caa,
                               "CAA record for " + domain + " prevents issuance: " + detail);
  p.identifier = acme::Identifier{"dns", domain};
  return p;
}

}  // namespace

std::optional<acme::Problem> caa_refusal(const std::vector<CaaRecord>& records, const std::string& where,
                                         const Request& request, const std::vector<std::string>& issuers) {
  const auto& domain = request.identifier.value;
  auto shown = [&](const CaaRecord& r) {
    return where + " CAA " + std::to_string(r.flags) + " " + common::printable(r.tag) + " \"" +
           common::printable(r.value, 200) + "\"";
  };
  for (const auto& r : records) {
    if ((r.flags & kCriticalFlag) && !known_tag(common::ascii_lower(r.tag))) {
      return caa_problem(domain,
                         "the critical record " + shown(r) + " has a tag this CA does not understand");
    }
  }
  auto with_tag = [&](const char* tag) {
    std::vector<const CaaRecord*> out;
    for (const auto& r : records)
      if (common::ascii_lower(r.tag) == tag) out.push_back(&r);
    return out;
  };
  // RFC 8659 §4.3: issuewild, when present, alone governs wildcard requests.
  auto relevant = with_tag("issue");
  if (request.wildcard) {
    if (auto wild = with_tag("issuewild"); !wild.empty()) relevant = std::move(wild);
  }
  if (relevant.empty()) return std::nullopt;  // §4.2: no issue property restricts nobody
  std::string first_refusal;
  for (const auto* r : relevant) {
    auto why = value_refusal(r->value, request, issuers);
    if (why.empty()) return std::nullopt;
    if (first_refusal.empty()) first_refusal = shown(*r) + " (" + why + ")";
  }
  return caa_problem(domain, first_refusal);
}

boost::asio::awaitable<std::optional<acme::Problem>> check_caa(Resolver& resolver, Request request,
                                                               std::vector<std::string> issuers) {
  if (request.identifier.type != "dns") co_return std::nullopt;
  // RFC 8659 §3 climbs to the root; the root and TLDs hold no CAA in practice, so stop at the TLD.
  std::string name = request.identifier.value;
  while (true) {
    auto records = co_await resolver.lookup_caa(name);
    if (records && !records->empty()) co_return caa_refusal(*records, name, request, issuers);
    if (!records && records.error().kind != DnsError::Kind::nxdomain &&
        records.error().kind != DnsError::Kind::no_data) {
      auto p = dns_problem(records.error());
      p.detail = "While checking CAA: " + p.detail;
      co_return p;
    }
    auto dot = name.find('.');
    if (dot == std::string::npos) co_return std::nullopt;
    name.erase(0, dot + 1);
  }
}

}  // namespace cobble::validation
