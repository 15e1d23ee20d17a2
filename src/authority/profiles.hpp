#pragma once

#include <optional>
#include <string>
#include <vector>

#include "acme/identifiers.hpp"
#include "acme/problem.hpp"
#include "authority/ca_policy.hpp"

namespace cobble::authority {

// The profiles newOrder offers (draft-ietf-acme-profiles §3): policy.profiles, or when none are
// configured one "default" profile with policy.certificate_validity and no CN (Cobble's behaviour
// before profiles existed).
std::vector<Profile> offered_profiles(const Policy& policy);

// A profile named `name` with the policy's lifetimes, identifier limit and validity: the built-in
// profile, and what every configured profile starts from.
Profile profile_from_policy(const Policy& policy, std::string name);

// The most identifiers an order of any offered profile may hold: how many newOrder reads before
// the profile is known.
std::size_t largest_identifier_limit(const Policy& policy);

// The profile named `name`; "" selects the default (policy.default_profile, else "default" when
// offered, else the first by name; never a random one). invalidProfile (400) naming the offered
// profiles when there is no such profile.
acme::Result<Profile> choose_profile(const Policy& policy, const std::string& name);

// newOrder's identifiers against the profile (rejectedIdentifier): at most max_identifiers, and only
// the identifier types it allows (naming the profiles that do allow them).
acme::Result<void> check_profile_identifiers(const Policy& policy, const Profile& profile,
                                             const std::vector<acme::Identifier>& identifiers);

// The subject CN a certificate of this profile carries: none unless promote_common_name; then the
// CSR's CN (already checked to be one of the order's identifiers) unless it is an IP address or
// longer than RFC 5280's 64 characters, else the first DNS identifier that fits.
std::optional<std::string> promoted_common_name(const Profile& profile,
                                                const std::optional<std::string>& csr_cn,
                                                const std::vector<storage::IdentifierRecord>& identifiers);

}  // namespace cobble::authority
