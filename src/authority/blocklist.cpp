#include "authority/blocklist.hpp"

#include "common/text.hpp"

namespace cobble::authority {
namespace {

std::string normalised(std::string_view text) {
  auto name = common::ascii_lower(text);
  while (!name.empty() && name.back() == '.') name.pop_back();
  return name;
}

// The blocklist entry covering `name` (the name itself or a parent), or "" when none does.
std::string blocking_entry(const std::vector<std::string>& blocklist, const std::string& name) {
  for (const auto& raw : blocklist) {
    auto entry = normalised(raw);
    if (entry.empty()) continue;
    if (name == entry) return entry;
    if (name.size() > entry.size() && name.ends_with(entry) && name[name.size() - entry.size() - 1] == '.') {
      return entry;
    }
  }
  return "";
}

}  // namespace

acme::Result<void> check_blocklist(const std::vector<std::string>& blocklist,
                                   const std::vector<acme::Identifier>& identifiers) {
  if (blocklist.empty()) return {};
  std::vector<acme::Problem> refused;
  for (const auto& id : identifiers) {
    if (id.type != "dns") continue;
    auto name = normalised(id.value);
    if (name.starts_with("*.")) name = name.substr(2);
    auto entry = blocking_entry(blocklist, name);
    if (entry.empty()) continue;
    auto sub = acme::Problem::make(acme::ProblemType::rejected_identifier,
                                   "The CA's policy forbids issuing for \"" + id.value + "\" (blocked: \"" +
                                       entry + "\" and its subdomains)");
    sub.identifier = id;
    refused.push_back(std::move(sub));
  }
  if (refused.empty()) return {};
  std::string names;
  for (const auto& p : refused) names += (names.empty() ? "" : ", ") + p.identifier->value;
  auto problem = acme::Problem::make(acme::ProblemType::rejected_identifier,
                                     "The CA will not issue for " + names + ": blocked by policy");
  problem.subproblems = std::move(refused);
  return acme::fail(std::move(problem));
}

}  // namespace cobble::authority
