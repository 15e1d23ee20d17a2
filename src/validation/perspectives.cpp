#include "validation/perspectives.hpp"

#include <algorithm>
#include <set>

namespace cobble::validation {
namespace {

std::string label(const PerspectiveResult& r) { return r.rir.empty() ? r.name : r.name + " (" + r.rir + ")"; }

}  // namespace

std::optional<acme::Problem> corroboration_problem(const Corroboration& rule,
                                                   const std::vector<PerspectiveResult>& remotes) {
  if (remotes.empty()) return std::nullopt;
  std::size_t needed = rule.quorum == 0 ? remotes.size() : std::min(rule.quorum, remotes.size());
  std::set<std::string> rirs, passing_rirs;
  std::vector<const PerspectiveResult*> failing;
  for (const auto& r : remotes) {
    if (!r.rir.empty()) rirs.insert(r.rir);
    if (r.problem) {
      failing.push_back(&r);
    } else if (!r.rir.empty()) {
      passing_rirs.insert(r.rir);
    }
  }
  std::size_t passing = remotes.size() - failing.size();
  if (passing >= needed && (rirs.size() < 2 || passing_rirs.size() >= 2)) return std::nullopt;
  if (failing.empty()) {
    return acme::Problem::make(acme::ProblemType::unauthorized,
                               "During secondary validation: the corroborating perspectives are all in " +
                                   *passing_rirs.begin() + "; two Regional Internet Registries must agree");
  }
  std::string who;
  for (const auto* r : failing) who += (who.empty() ? "" : ", ") + label(*r);
  auto problem = *failing.front()->problem;
  problem.detail = "During secondary validation: " + problem.detail + " (" + std::to_string(failing.size()) +
                   " of " + std::to_string(remotes.size()) +
                   " remote perspectives did not corroborate: " + who + "; " + std::to_string(needed) +
                   " must)";
  problem.subproblems.clear();
  return problem;
}

}  // namespace cobble::validation
