#pragma once

// Problem checks shared by every test, written so that a failure prints the whole problem, not
// just two type names:
//   CHECK_THAT(result.error(), IsProblem(ProblemType::malformed, "part of the detail"));
//   CHECK(problem_type(reply) == "malformed");   // an api::Reply: prints status, detail and nonce

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "acme/problem.hpp"
#include "api/message.hpp"

namespace cobble::test {

inline bool problem_matches(const acme::Problem& p, acme::ProblemType type, std::string_view detail_part) {
  return p.type == type && p.detail.find(detail_part) != std::string::npos;
}
inline std::string describe_problem(acme::ProblemType type, std::string_view detail_part) {
  return "a " + acme::urn(type) + " problem" +
         (detail_part.empty() ? "" : " whose detail contains \"" + std::string(detail_part) + "\"");
}

class IsProblem : public Catch::MatcherBase<acme::Problem> {
 public:
  explicit IsProblem(acme::ProblemType type, std::string detail_part = {})
      : type_(type), detail_part_(std::move(detail_part)) {}
  bool match(const acme::Problem& p) const override { return problem_matches(p, type_, detail_part_); }
  std::string describe() const override { return "is " + describe_problem(type_, detail_part_); }

 private:
  acme::ProblemType type_;
  std::string detail_part_;
};

// The problem an api::Reply carries: equal to the last segment of its type URN ("malformed"), and
// printed, when a check fails, as that segment with the reply it came from.
struct ReplyProblem {
  std::string type;  // "(no problem: <body>)" when the body is no problem document
  std::string shown;

  friend bool operator==(const ReplyProblem& p, std::string_view type) { return p.type == type; }
};

inline ReplyProblem problem_type(const api::Reply& reply) {
  auto shown = "HTTP " + std::to_string(reply.status) + ", Replay-Nonce " +
               (reply.header("Replay-Nonce").empty() ? "missing" : "present") + ", body " + reply.body;
  auto j = nlohmann::json::parse(reply.body, nullptr, false);
  if (j.is_discarded() || !j.contains("type") || !j["type"].is_string()) {
    return {"(no problem: " + reply.body + ")", std::move(shown)};
  }
  auto type = j["type"].get<std::string>();
  return {type.substr(type.rfind(':') + 1), std::move(shown)};
}

}  // namespace cobble::test

namespace Catch {
template <>
struct StringMaker<cobble::acme::Problem> {
  static std::string convert(const cobble::acme::Problem& p) { return cobble::acme::to_json(p).dump(); }
};
template <>
struct StringMaker<cobble::test::ReplyProblem> {
  static std::string convert(const cobble::test::ReplyProblem& p) {
    return "\"" + p.type + "\" (" + p.shown + ")";
  }
};
}  // namespace Catch
