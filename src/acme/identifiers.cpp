#include "acme/identifiers.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

namespace cobble::acme {
namespace {

bool looks_like_ip(std::string_view name) {
  std::string s(name);
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

std::string label_problem(std::string_view label) {
  if (label.empty()) return "it has an empty label";
  if (label.size() > 63) return "a label is longer than 63 characters";
  for (char c : label) {
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) ||
          c == '-')) {
      return std::string("it contains the character '") + c + "'";
    }
  }
  if (label.front() == '-' || label.back() == '-') return "a label starts or ends with '-'";
  return "";
}

}  // namespace

std::string dns_name_problem(std::string_view name) {
  if (name.empty()) return "the name is empty";
  if (name.size() > 253) return "the name is longer than 253 characters";
  if (name.back() == '.') return "the name ends with a dot";
  if (looks_like_ip(name)) return "an IP address is not a DNS name";
  std::string_view rest = name;
  if (rest.starts_with("*.")) rest.remove_prefix(2);
  if (rest.find('*') != std::string_view::npos)
    return "only a single leading \"*.\" wildcard label is allowed";
  int labels = 0;
  while (true) {
    auto dot = rest.find('.');
    auto label = rest.substr(0, dot);
    if (auto why = label_problem(label); !why.empty()) return why;
    ++labels;
    if (dot == std::string_view::npos) break;
    rest.remove_prefix(dot + 1);
  }
  if (labels < 2) return "the name has only one label";
  return "";
}

Result<std::vector<Identifier>> decode_identifiers(const nlohmann::json& identifiers, std::size_t max_count) {
  if (!identifiers.is_array() || identifiers.empty()) {
    return fail(Problem::malformed("\"identifiers\" must be a non-empty array"));
  }
  if (identifiers.size() > max_count) {
    return fail(Problem::make(ProblemType::rejected_identifier,
                              "An order may name at most " + std::to_string(max_count) + " identifiers"));
  }
  std::vector<Identifier> out;
  std::vector<Problem> rejected;
  for (const auto& item : identifiers) {
    if (!item.is_object() || !item.contains("type") || !item.contains("value") || !item["type"].is_string() ||
        !item["value"].is_string()) {
      return fail(Problem::malformed("Each identifier must be an object with string \"type\" and \"value\""));
    }
    Identifier id{item["type"].get<std::string>(), item["value"].get<std::string>()};
    if (id.type != "dns") {
      auto p = Problem::make(ProblemType::unsupported_identifier,
                             "Cobble issues for \"dns\" identifiers; \"" + id.type + "\" is not supported");
      p.identifier = id;
      return fail(p);
    }
    std::transform(id.value.begin(), id.value.end(), id.value.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (auto why = dns_name_problem(id.value); !why.empty()) {
      auto p =
          Problem::make(ProblemType::rejected_identifier, "Invalid DNS name \"" + id.value + "\": " + why);
      p.identifier = id;
      rejected.push_back(std::move(p));
      continue;
    }
    if (std::find(out.begin(), out.end(), id) == out.end()) out.push_back(std::move(id));
  }
  if (!rejected.empty()) {
    std::string detail = rejected.size() == 1 ? rejected.front().detail
                                              : "Cannot issue for " + std::to_string(rejected.size()) +
                                                    " of the identifiers (see subproblems)";
    auto p = Problem::make(ProblemType::rejected_identifier, detail);
    p.subproblems = std::move(rejected);
    return fail(p);
  }
  return out;
}

}  // namespace cobble::acme
