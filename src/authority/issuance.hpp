#pragma once

#include <chrono>
#include <vector>

#include "acme/problem.hpp"
#include "authority/ca_policy.hpp"
#include "ca/certificate_authority.hpp"
#include "common/clock.hpp"
#include "storage/records.hpp"

// What finalize checks in a CSR and asks the CA to sign (RFC 8555 §7.4), apart from the order's
// state and storage (Orders::finalize).
namespace cobble::authority {

// Certificates are backdated this much, so clients with a slightly slow clock accept them at
// once; an order's notBefore may reach back as far.
inline constexpr auto kMaxBackdate = std::chrono::hours(1);

// RFC 8555 §7.4 and RFC 8738 §4: the CSR names exactly the order's identifiers (dNSNames its "dns"
// ones, iPAddresses its "ip" ones; a common name, when present, is one of them); badCSR naming
// both lists otherwise.
acme::Result<void> check_csr_names(const ca::CsrInfo& csr,
                                   const std::vector<storage::IdentifierRecord>& identifiers);

// What the CA signs for `order` and its `csr`: the order's profile (the default one when it was
// removed from the configuration since), validity, CN promotion, EKUs, CRL and OCSP URLs.
ca::IssueRequest issue_request(const Policy& policy, const Order& order, const ca::CsrInfo& csr,
                               common::TimePoint now);

}  // namespace cobble::authority
