#pragma once

// The matcher for validation::Outcome: on failure Catch prints the whole outcome (problem as
// JSON, addresses, redirects).

#include <catch2/catch.hpp>
#include <optional>
#include <string>

#include "acme/problem.hpp"
#include "support/problem_matchers.hpp"
#include "validation/outcome.hpp"

namespace Catch {
template <>
struct StringMaker<cobble::validation::Outcome> {
  static std::string convert(const cobble::validation::Outcome& o) {
    nlohmann::json j = {{"problem", o.problem ? cobble::acme::to_json(*o.problem) : nlohmann::json()},
                        {"addresses", o.addresses},
                        {"redirects", o.redirects}};
    return j.dump();
  }
};
}  // namespace Catch

namespace cobble::test {

class OutcomeMatcher : public Catch::MatcherBase<validation::Outcome> {
 public:
  OutcomeMatcher(std::optional<acme::ProblemType> type, std::string detail_part)
      : type_(type), detail_part_(std::move(detail_part)) {}
  bool match(const validation::Outcome& o) const override {
    if (!type_) return o.valid();
    return o.problem && problem_matches(*o.problem, *type_, detail_part_);
  }
  std::string describe() const override {
    if (!type_) return "passes";
    return "fails with " + describe_problem(*type_, detail_part_);
  }

 private:
  std::optional<acme::ProblemType> type_;
  std::string detail_part_;
};

inline OutcomeMatcher passes() { return {std::nullopt, ""}; }
inline OutcomeMatcher fails_with(acme::ProblemType type, std::string detail_part = {}) {
  return {type, std::move(detail_part)};
}

}  // namespace cobble::test
