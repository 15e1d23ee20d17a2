#pragma once

#include <string>
#include <vector>

#include "acme/problem.hpp"
#include "authority/ca_policy.hpp"

namespace cobble::authority {

// The profiles newOrder offers (draft-ietf-acme-profiles §3): policy.profiles, or when none are
// configured one "default" profile with policy.certificate_validity and no CN (Cobble's behaviour
// before profiles existed).
std::vector<Profile> offered_profiles(const Policy& policy);

// The profile named `name`; "" selects the default (policy.default_profile, else "default" when
// offered, else the first by name; never a random one). invalidProfile (400) naming the offered
// profiles when there is no such profile.
acme::Result<Profile> choose_profile(const Policy& policy, const std::string& name);

}  // namespace cobble::authority
