#include "authority/profiles.hpp"

#include <algorithm>

#include "acme/identifiers.hpp"
#include "common/text.hpp"

namespace cobble::authority {
namespace {

// RFC 5280 ub-common-name: a CN holds at most 64 characters.
constexpr std::size_t kMaxCommonName = 64;

}  // namespace

Profile profile_from_policy(const Policy& policy, std::string name) {
  Profile profile;
  profile.name = std::move(name);
  profile.validity = policy.certificate_validity;
  profile.order_lifetime = policy.order_lifetime;
  profile.pending_authz_lifetime = policy.pending_authz_lifetime;
  profile.valid_authz_lifetime = policy.valid_authz_lifetime;
  profile.max_identifiers = policy.max_identifiers;
  return profile;
}

std::vector<Profile> offered_profiles(const Policy& policy) {
  if (!policy.profiles.empty()) return policy.profiles;
  Profile builtin = profile_from_policy(policy, "default");
  builtin.description = "The default profile";
  return {builtin};
}

std::size_t largest_identifier_limit(const Policy& policy) {
  std::size_t largest = 0;
  for (const auto& p : offered_profiles(policy)) largest = std::max(largest, p.max_identifiers);
  return largest;
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

std::optional<std::string> promoted_common_name(const Profile& profile,
                                                const std::optional<std::string>& csr_cn,
                                                const std::vector<storage::IdentifierRecord>& identifiers) {
  if (!profile.promote_common_name) return std::nullopt;
  // finalize checked that a CSR's CN is one of the order's identifiers; an IP address is never
  // promoted (Let's Encrypt's CN holds only DNS names).
  if (csr_cn && !csr_cn->empty() && csr_cn->size() <= kMaxCommonName && !acme::canonical_ip(*csr_cn)) {
    return common::ascii_lower(*csr_cn);
  }
  for (const auto& id : identifiers) {
    if (id.type == "dns" && id.value.size() <= kMaxCommonName) return id.value;
  }
  return std::nullopt;
}

// The profile's identifier limit and types (Let's Encrypt: IP addresses only in shortlived).
acme::Result<void> check_profile_identifiers(const Policy& policy, const Profile& profile,
                                             const std::vector<acme::Identifier>& identifiers) {
  if (identifiers.size() > profile.max_identifiers) {
    // The type decode_identifiers gives an order over the CA-wide limit.
    return acme::fail(acme::Problem::make(
        acme::ProblemType::rejected_identifier,
        "Profile \"" + profile.name + "\" allows at most " + std::to_string(profile.max_identifiers) +
            " identifiers per order, not " + std::to_string(identifiers.size())));
  }
  for (const auto& id : identifiers) {
    bool ip = id.type == "ip";
    if (ip ? profile.ip_identifiers : profile.dns_identifiers) continue;
    std::string others;
    for (const auto& p : offered_profiles(policy)) {
      if (ip ? p.ip_identifiers : p.dns_identifiers)
        others += (others.empty() ? "\"" : ", \"") + p.name + "\"";
    }
    std::string kind = ip ? "IP addresses" : "DNS names";
    return acme::fail(acme::Problem::make(
        acme::ProblemType::rejected_identifier,
        "Profile \"" + profile.name + "\" does not allow " + kind + " (" + id.value + ")" +
            (others.empty() ? std::string("; no profile of this CA does")
                            : "; choose profile " + others + " for " + kind)));
  }
  return {};
}

}  // namespace cobble::authority
