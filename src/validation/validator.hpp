#pragma once

#include <boost/asio/awaitable.hpp>

#include "validation/caa.hpp"
#include "validation/http01.hpp"
#include "validation/outcome.hpp"
#include "validation/perspectives.hpp"
#include "validation/resolver.hpp"
#include "validation/tls_alpn01.hpp"

namespace cobble::validation {

struct ValidatorOptions {
  HttpOptions http;
  TlsAlpnOptions tls_alpn;
  // The primary perspective validates; each remote one validates at the same time, on its own
  // (resolving and connecting separately, from its source address when it has one), and must
  // corroborate it by `remote`'s rule. No remotes: the primary alone. Pebble's three attempts are
  // a primary and two unnamed remotes that must all pass.
  Perspective primary{"primary", "", ""};
  Corroboration remote;
  // dns-persist-01 records must name one of these (draft-ietf-acme-dns-persist §3.1).
  std::vector<std::string> issuer_domain_names{"cobble.test"};
  // Checked after a challenge passes, as Boulder's VA does (RFC 8659 §3 allows the check at
  // validation; a reused authorization is not re-checked at finalize).
  CaaOptions caa;
};

// Validates challenges of every supported type. Pure async I/O on the caller's executor; never
// blocks, never touches storage. `resolver` must outlive it.
class Validator {
 public:
  Validator(Resolver& resolver, ValidatorOptions options)
      : resolver_(resolver), options_(std::move(options)) {}

  // The outcome of `request` with every perspective's result: the primary's problem, else the
  // corroboration problem, else a pass; then, when CAA checking is on, a caa (or dns) problem if
  // CAA forbids issuance.
  // Unknown challenge types fail with malformed. Never throws.
  boost::asio::awaitable<Outcome> validate(Request request);

 private:
  boost::asio::awaitable<Outcome> validate_once(const Request& request, const std::string& source_address);
  boost::asio::awaitable<Outcome> validate_perspectives(const Request& request);

  Resolver& resolver_;
  ValidatorOptions options_;
};

}  // namespace cobble::validation
