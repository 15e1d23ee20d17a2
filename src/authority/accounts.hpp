#pragma once

#include <optional>
#include <string>
#include <vector>

#include "acme/jws.hpp"
#include "acme/key_cache.hpp"
#include "acme/problem.hpp"
#include "authority/ca_policy.hpp"
#include "authority/rate_limits.hpp"
#include "common/clock.hpp"
#include "storage/store.hpp"

namespace cobble::authority {

struct NewAccount {
  std::optional<std::vector<std::string>> contacts;
  bool terms_of_service_agreed = false;
  bool only_return_existing = false;
  std::optional<nlohmann::json> external_account_binding;  // the member as sent, when present
  std::string url;             // the newAccount URL the request was signed for (the binding must name it)
  std::string client_address;  // where the request came from (registration rate limits)
};

struct AccountUpdate {
  std::optional<std::vector<std::string>> contacts;
  bool deactivate = false;
};

// RFC 8555 §7.3: account creation, lookup, update, deactivation and key rollover.
// Thread-safe; `store`, `clock` and `policy` must outlive it.
class Accounts {
 public:
  Accounts(storage::Store& store, const common::Clock& clock, const Policy& policy,
           RateLimits* rate_limits = nullptr)
      : store_(store), clock_(clock), policy_(policy), rate_limits_(rate_limits) {}

  // accountDoesNotExist when there is no account `id`.
  acme::Result<Account> find(std::int64_t id) const;
  // The account's public key (parsed once per key, then cached): serverInternal when the stored
  // key is unusable.
  acme::Result<acme::PublicKey> key_of(const Account& account) const;

  // Creates an account for `key`, or returns the existing one (`created` false) (§7.3, §7.3.1).
  // An existing account is returned whatever the request carries, external account binding
  // included (§7.3.1: the key alone identifies it). accountDoesNotExist for onlyReturnExisting
  // without an account; policy.terms_refusal's problem when agreement is required and missing; invalidContact
  // / unsupportedContact for bad contacts; unauthorized when the key's account is deactivated. External
  // account binding (§7.3.4), checked whenever present: externalAccountRequired (403) when policy requires
  // one and there is none; malformed when it is not a MAC-signed JWS for this URL without nonce
  // (acme/eab.hpp); unauthorized for an unknown key id or a MAC that does not verify; badPublicKey when its
  // payload is not the account key. One MAC key may bind any number of accounts (as Pebble allows).
  // Last, a new account spends the registration rate limits of request.client_address (429
  // rateLimited), given back when the account is not made after all.
  struct Created {
    Account account;
    bool created = false;
  };
  acme::Result<Created> create_or_find(const acme::PublicKey& key, const NewAccount& request) const;

  // §7.3.2 and §7.3.6. unauthorized when the account is not valid.
  acme::Result<Account> update(const Account& account, const AccountUpdate& update) const;

  // §7.3.5: moves `account` to `new_key`. Returns the account holding `new_key` as the error's
  // instance (409, with a Location header) when another account has it.
  acme::Result<Account> change_key(const Account& account, const acme::PublicKey& new_key) const;

  // §7.3: mailto: URIs only, one address each, no hfields; at most policy.max_contacts.
  acme::Result<void> check_contacts(const std::vector<std::string>& contacts) const;

 private:
  // The problem policy.terms_refusal names, with a terms-of-service Link (§7.3.3) when there is a URL.
  acme::Problem terms_refusal() const;

  mutable acme::KeyCache keys_;
  storage::Store& store_;
  const common::Clock& clock_;
  const Policy& policy_;
  RateLimits* rate_limits_;  // null: rate limits off
};

}  // namespace cobble::authority
