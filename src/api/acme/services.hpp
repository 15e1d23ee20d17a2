#pragma once

#include <string>
#include <vector>

#include "acme/nonce.hpp"
#include "api/chaos.hpp"
#include "authority/accounts.hpp"
#include "authority/certificates.hpp"
#include "authority/challenges.hpp"
#include "authority/orders.hpp"
#include "authority/pauses.hpp"
#include "authority/renewal_info.hpp"
#include "authority/revocation_list.hpp"
#include "ratelimit/request_limits.hpp"

namespace cobble::api {

// RFC 8555 §7.1.1 directory "meta".
struct DirectoryMeta {
  std::string terms_of_service;
  std::string website;
  std::vector<std::string> caa_identities;
  bool external_account_required = false;
  // Let's Encrypt adds one key of random name at every request, so clients that refuse unknown
  // directory keys fail against staging and not in production.
  bool random_entry = false;
};

// What ACME handlers may use. Built by app/; every referenced object outlives the API.
struct Services {
  acme::Nonces& nonces;
  DirectoryMeta meta;
  const authority::Policy& policy;
  const authority::Accounts& accounts;
  const authority::Orders& orders;
  const authority::Challenges& challenges;
  const authority::Certificates& certificates;
  std::size_t orders_per_page = 50;
  const authority::Pauses* pauses = nullptr;             // null: pausing off, the unpause portal answers 404
  const authority::RenewalInfo* renewal_info = nullptr;  // null: no ARI (no renewalInfo in the directory)
  authority::RevocationList* crl = nullptr;              // null: GET /crl/0 answers 404
  Chaos* chaos = nullptr;                                // null: no injected faults, no nonce rejection
  ratelimit::RequestLimiter* request_limiter = nullptr;  // null: no per-endpoint request limits
};

}  // namespace cobble::api
