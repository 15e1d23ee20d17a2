#include "authority/issuance.hpp"

#include <set>
#include <string>

#include "acme/identifiers.hpp"
#include "authority/profiles.hpp"
#include "common/text.hpp"

namespace cobble::authority {
namespace {

using acme::Problem;
using acme::ProblemType;

std::string join(const std::set<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

acme::Result<void> check_csr_names(const ca::CsrInfo& csr,
                                   const std::vector<storage::IdentifierRecord>& identifiers) {
  std::set<std::string> wanted_ips, asked_ips;
  for (const auto& ip : csr.ip_addresses) asked_ips.insert(ip);
  for (const auto& i : identifiers)
    if (i.type == "ip") wanted_ips.insert(i.value);
  if (asked_ips != wanted_ips) {
    return acme::fail(Problem::make(
        ProblemType::bad_csr, "The CSR names the IP addresses [" + join(asked_ips) +
                                  "] but the order is for the IP addresses [" + join(wanted_ips) + "]"));
  }
  std::set<std::string> wanted, asked(csr.dns_names.begin(), csr.dns_names.end());
  for (const auto& i : identifiers)
    if (i.type == "dns") wanted.insert(i.value);
  if (csr.common_name) {
    auto cn = common::ascii_lower(*csr.common_name);
    // A common name holding an address (as lego writes it) must be one of the order's IPs.
    auto cn_ip = acme::canonical_ip(cn);
    if (cn_ip ? !wanted_ips.contains(*cn_ip) : !wanted.contains(cn)) {
      return acme::fail(Problem::make(ProblemType::bad_csr, "The CSR's common name \"" + cn +
                                                                "\" is not one of the order's identifiers"));
    }
    if (!cn_ip) asked.insert(cn);
  }
  if (asked != wanted) {
    return acme::fail(
        Problem::make(ProblemType::bad_csr,
                      "The CSR names [" + join(asked) + "] but the order is for [" + join(wanted) + "]"));
  }
  return {};
}

ca::IssueRequest issue_request(const Policy& policy, const Order& order, const ca::CsrInfo& csr,
                               common::TimePoint now) {
  auto profile = choose_profile(policy, order.profile);
  if (!profile) profile = choose_profile(policy, "");
  ca::IssueRequest issue;
  issue.spki_der = csr.spki_der;
  for (const auto& i : order.identifiers)
    (i.type == "ip" ? issue.ip_addresses : issue.dns_names).push_back(i.value);
  // Backdated an hour so clients with a slightly slow clock accept the certificate at once.
  issue.not_before = order.not_before.value_or(now - kMaxBackdate);
  // RFC 5280 §4.1.2.5 counts both ends: the last second is notBefore + validity - 1 (as Pebble).
  issue.not_after = order.not_after.value_or(issue.not_before + profile->validity - std::chrono::seconds(1));
  issue.common_name = promoted_common_name(*profile, csr.common_name, order.identifiers);
  issue.server_auth = profile->server_auth;
  issue.client_auth = profile->client_auth;
  issue.key_encipherment = profile->key_encipherment;
  issue.subject_key_identifier = profile->subject_key_identifier;
  issue.crl = policy.crl;
  issue.ocsp_url = policy.ocsp_url;
  issue.policy_oids = policy.certificate_policies;
  return issue;
}

}  // namespace cobble::authority
