#include "authority/accounts.hpp"

#include "acme/eab.hpp"
#include "acme/identifiers.hpp"
#include "acme/json_text.hpp"
#include "authority/errors.hpp"
#include "common/text.hpp"

namespace cobble::authority {
namespace {

using acme::Problem;
using acme::ProblemType;

Problem invalid_contact(const std::string& contact, const std::string& why) {
  return Problem::make(ProblemType::invalid_contact, "Contact \"" + contact + "\" is not valid: " + why);
}

// RFC 8555 §7.3.4 steps 1-5. The RFC only says "MUST reject"; the types follow Pebble so clients
// tested against it see the same: a broken binding is malformed, a key the CA does not know or a
// MAC that does not verify is unauthorized (403), a payload that is not the account key is
// badPublicKey.
acme::Result<acme::ExternalAccountBinding> verify_binding(const Policy& policy, const nlohmann::json& value,
                                                          const std::string& url,
                                                          const acme::PublicKey& account_key) {
  auto binding = acme::parse_external_account_binding(value, url);
  if (!binding) return acme::fail(binding.error());
  auto mac_key = policy.external_account_mac_keys.find(binding->kid);
  if (mac_key == policy.external_account_mac_keys.end()) {
    return acme::fail(Problem::unauthorized("The externalAccountBinding key identifier \"" + binding->kid +
                                            "\" is not one this CA issued"));
  }
  if (!acme::verify_external_account_binding_mac(*binding, mac_key->second)) {
    return acme::fail(
        Problem::unauthorized("The externalAccountBinding MAC does not verify with the key of \"" +
                              binding->kid + "\"; check the HMAC key (base64url, as the CA gave it)"));
  }
  auto bound_key = acme::PublicKey::from_jwk(binding->payload_jwk, common::every_key_rules());
  if (!bound_key || bound_key->spki_der() != account_key.spki_der()) {
    return acme::fail(Problem::make(ProblemType::bad_public_key,
                                    "The externalAccountBinding payload is not the key this request is "
                                    "signed with (the JWS \"jwk\")"));
  }
  return binding;
}

}  // namespace

acme::Result<Account> Accounts::find(std::int64_t id) const {
  auto account = store_.find_account(id);
  if (!account) {
    if (is_not_found(account.error())) {
      return acme::fail(
          Problem::make(ProblemType::account_does_not_exist, "No account " + std::to_string(id)));
    }
    return acme::fail(internal_error("looking up an account", account.error()));
  }
  return *account;
}

acme::Result<acme::PublicKey> Accounts::key_of(const Account& account) const {
  auto key = keys_.from_jwk_text(account.jwk);
  if (!key)
    return acme::fail(
        Problem::server_internal("The stored key of account " + std::to_string(account.id) + " is unusable"));
  return key;
}

acme::Result<void> Accounts::check_contacts(const std::vector<std::string>& contacts) const {
  if (contacts.size() > policy_.max_contacts) {
    return acme::fail(
        Problem::make(ProblemType::invalid_contact,
                      "At most " + std::to_string(policy_.max_contacts) + " contacts are allowed"));
  }
  for (const auto& contact : contacts) {
    if (!contact.starts_with("mailto:")) {
      return acme::fail(Problem::make(ProblemType::unsupported_contact,
                                      "Contact \"" + contact + "\" is not supported: only mailto: URIs are"));
    }
    std::string address = contact.substr(7);
    if (address.find_first_of("?,;<> \t\r\n%") != std::string::npos) {
      return acme::fail(invalid_contact(contact, "give exactly one address, without parameters"));
    }
    auto at = address.rfind('@');
    if (at == std::string::npos || at == 0 || address.find('@') != at) {
      return acme::fail(invalid_contact(contact, "an email address has the form name@domain"));
    }
    auto domain = common::ascii_lower(address.substr(at + 1));
    if (auto why = acme::dns_name_problem(domain); !why.empty() || domain.starts_with("*.")) {
      return acme::fail(
          invalid_contact(contact, "the domain is not valid (" + (why.empty() ? "wildcard" : why) + ")"));
    }
  }
  return {};
}

acme::Problem Accounts::terms_refusal() const {
  auto problem = [&] {
    switch (policy_.terms_refusal) {
      case TermsRefusal::agreement_required:
        return Problem::make(ProblemType::agreement_required,
                             "Provided account did not agree to the terms of service");
      case TermsRefusal::malformed:
        return Problem::malformed("must agree to terms of service");
      case TermsRefusal::user_action_required:
        break;
    }
    return Problem::make(ProblemType::user_action_required, "You must agree to the terms of service (" +
                                                                policy_.terms_of_service_url +
                                                                ") by setting termsOfServiceAgreed");
  }();
  if (!policy_.terms_of_service_url.empty()) {
    problem.with_header("Link", "<" + policy_.terms_of_service_url + ">;rel=\"terms-of-service\"");
  }
  return problem;
}

acme::Result<Accounts::Created> Accounts::create_or_find(const acme::PublicKey& key,
                                                         const NewAccount& request) const {
  auto existing = store_.find_account_by_thumbprint(key.thumbprint());
  // RFC 8555 §7.3.6: a deactivated account's key is refused, newAccount included (as Boulder does).
  if (existing && existing->status != acme::AccountStatus::valid)
    return acme::fail(
        Problem::unauthorized("An account with the provided public key exists but is deactivated"));
  if (existing) return Created{*existing, false};
  if (!is_not_found(existing.error()))
    return acme::fail(internal_error("looking up an account", existing.error()));
  if (request.only_return_existing) {
    return acme::fail(Problem::make(ProblemType::account_does_not_exist, "No account exists for this key"));
  }
  if (policy_.require_terms_of_service && !request.terms_of_service_agreed)
    return acme::fail(terms_refusal());
  std::optional<acme::ExternalAccountBinding> binding;
  if (request.external_account_binding) {
    auto verified = verify_binding(policy_, *request.external_account_binding, request.url, key);
    if (!verified) return acme::fail(verified.error());
    binding = std::move(*verified);
  } else if (policy_.external_account_required) {
    return acme::fail(Problem::make(ProblemType::external_account_required,
                                    "This CA requires an external account binding: newAccount needs an "
                                    "\"externalAccountBinding\" made with a key id and MAC key from the CA "
                                    "(RFC 8555 §7.3.4)"));
  }
  std::vector<std::string> contacts = request.contacts.value_or(std::vector<std::string>{});
  if (auto ok = check_contacts(contacts); !ok) return acme::fail(ok.error());

  Account account;
  if (binding) {
    account.eab_key_id = binding->kid;
    account.eab_binding = acme::json_text(binding->value);
  }
  account.key_thumbprint = key.thumbprint();
  account.jwk = key.to_jwk().dump();
  account.contacts = std::move(contacts);
  account.created_at = clock_.now();
  if (rate_limits_) {
    if (auto allowed = rate_limits_->check_new_account(request.client_address); !allowed) {
      return acme::fail(allowed.error());
    }
  }
  auto id = store_.create_account(account);
  if (!id) {
    if (rate_limits_) rate_limits_->refund_new_account(request.client_address);
    // Another request with the same key won the race: answer with its account.
    if (id.error().code == std::errc::file_exists) {
      if (auto raced = store_.find_account_by_thumbprint(account.key_thumbprint))
        return Created{*raced, false};
    }
    return acme::fail(internal_error("creating an account", id.error()));
  }
  account.id = *id;
  return Created{account, true};
}

acme::Result<Account> Accounts::update(const Account& account, const AccountUpdate& update) const {
  Account result = account;
  if (update.contacts) {
    if (auto ok = check_contacts(*update.contacts); !ok) return acme::fail(ok.error());
    if (auto r = store_.update_account_contacts(account.id, *update.contacts); !r) {
      return acme::fail(internal_error("updating contacts", r.error()));
    }
    result.contacts = *update.contacts;
  }
  if (update.deactivate) {
    if (auto r = store_.update_account_status(account.id, acme::AccountStatus::deactivated); !r) {
      return acme::fail(internal_error("deactivating an account", r.error()));
    }
    result.status = acme::AccountStatus::deactivated;
  }
  return result;
}

acme::Result<Account> Accounts::change_key(const Account& account, const acme::PublicKey& new_key) const {
  auto thumbprint = new_key.thumbprint();
  auto r = store_.update_account_key(account.id, thumbprint, new_key.to_jwk().dump());
  if (!r) {
    if (r.error().code == std::errc::file_exists) {
      auto p = Problem::make(ProblemType::malformed, "The new key is already in use by another account")
                   .with_status(409);
      if (auto holder = store_.find_account_by_thumbprint(thumbprint))
        p.instance = std::to_string(holder->id);
      return acme::fail(p);
    }
    return acme::fail(internal_error("changing the account key", r.error()));
  }
  Account result = account;
  result.key_thumbprint = thumbprint;
  result.jwk = new_key.to_jwk().dump();
  return result;
}

}  // namespace cobble::authority
