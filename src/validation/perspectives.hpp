#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "acme/problem.hpp"

namespace cobble::validation {

// A vantage point validation runs from (multi-perspective issuance corroboration, CA/B BR
// 3.2.2.9): named and tagged with its Regional Internet Registry as Boulder's remote VAs are.
struct Perspective {
  std::string name;
  std::string rir;             // "ARIN", "RIPE", ...; "" = not said
  std::string source_address;  // connections leave from here ("" = the system's choice)
};

// What one perspective found.
struct PerspectiveResult {
  std::string name;
  std::string rir;
  std::optional<acme::Problem> problem;  // empty: it passed
};

// How remote perspectives must corroborate the primary: at least `quorum` of them pass (0: all),
// and when the remotes name two RIRs or more, the passing ones span at least two.
struct Corroboration {
  std::vector<Perspective> remotes;
  std::size_t quorum = 0;
};

// The problem when the remote results do not corroborate a passing primary; nullopt when they do.
// Its type is the first failing remote's, its detail says which perspectives disagreed and what
// the rule asks ("During secondary validation: ...", as Boulder words it).
std::optional<acme::Problem> corroboration_problem(const Corroboration& rule,
                                                   const std::vector<PerspectiveResult>& remotes);

}  // namespace cobble::validation
