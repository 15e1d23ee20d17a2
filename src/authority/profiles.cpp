#include "authority/profiles.hpp"

#include <algorithm>

namespace cobble::authority {

std::vector<Profile> offered_profiles(const Policy& policy) {
  if (!policy.profiles.empty()) return policy.profiles;
  Profile builtin;
  builtin.name = "default";
  builtin.description = "The default profile";
  builtin.validity = policy.certificate_validity;
  return {builtin};
}

acme::Result<Profile> choose_profile(const Policy& policy, const std::string& name) {
  auto offered = offered_profiles(policy);
  auto named = [&](const std::string& wanted) {
    return std::find_if(offered.begin(), offered.end(), [&](const Profile& p) { return p.name == wanted; });
  };
  if (name.empty()) {
    if (auto it = named(policy.default_profile); !policy.default_profile.empty() && it != offered.end())
      return *it;
    if (auto it = named("default"); it != offered.end()) return *it;
    return offered.front();
  }
  if (auto it = named(name); it != offered.end()) return *it;
  std::string known;
  for (const auto& p : offered) known += (known.empty() ? "\"" : ", \"") + p.name + "\"";
  return acme::fail(acme::Problem::make(acme::ProblemType::invalid_profile,
                                        "Profile \"" + name + "\" is not offered by this CA; choose one of " +
                                            known + " (directory meta.profiles)"));
}

}  // namespace cobble::authority
