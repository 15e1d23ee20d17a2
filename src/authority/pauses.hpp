#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "acme/problem.hpp"
#include "acme/types.hpp"
#include "authority/ca_policy.hpp"
#include "authority/validation_port.hpp"
#include "common/clock.hpp"
#include "pause/pause_policy.hpp"
#include "pause/unpause_token.hpp"
#include "storage/store.hpp"

namespace cobble::authority {

// What an account is told when one of its pairs is paused: written to the log (without the
// link's token) and handed to the notifier (a webhook, e.g. an email gateway).
struct PauseNotice {
  std::int64_t account_id = 0;
  std::vector<std::string> contacts;
  std::string identifier;
  bool repaused = false;
  std::string unpause_url;  // carries a bearer token: never logged
};

class PauseNotifier {
 public:
  virtual ~PauseNotifier() = default;
  // Must not block (called while recording a validation outcome).
  virtual void notify(const PauseNotice& notice) = 0;
};

// Counts since start, for the management API's /metrics.
struct PauseCounters {
  std::atomic<std::uint64_t> paused{0};
  std::atomic<std::uint64_t> repaused{0};
  std::atomic<std::uint64_t> skipped_for_grace{0};
  std::atomic<std::uint64_t> unpaused{0};
  std::atomic<std::uint64_t> refused_orders{0};
};

struct PauseSettings {
  bool enabled = true;
  pause::PausePolicy policy = pause::PausePolicy::lets_encrypt_2024();
  std::string secret;  // 32 bytes, signs unpause links
  // Answer paused new orders as Boulder does (rateLimited, 429, URL only in the detail) instead
  // of userActionRequired (403) with the URL in `instance` and a Link rel="help".
  bool boulder_compatible_problem = false;
  // Base URL of the self-service portal; "" = the ACME listener the client used.
  std::string portal_base_url;
  // Where links in notices point when no request tells the listener's address.
  std::string default_base_url = "https://localhost:14000";
};

// Zombie-client pausing (docs/pausing.md): failure buckets per (account, identifier), paused
// pairs refused at newOrder with a link to the unpause portal, grace after an unpause.
// Thread-safe; `store` and `clock` must outlive it.
class Pauses {
 public:
  Pauses(storage::Store& store, const common::Clock& clock, PauseSettings settings,
         PauseNotifier* notifier = nullptr)
      : store_(store), clock_(clock), settings_(std::move(settings)), notifier_(notifier) {}

  const PauseSettings& settings() const { return settings_; }

  // Runs before every other newOrder limit. userActionRequired (or Boulder's rateLimited) naming
  // up to 15 paused identifiers and the unpause URL; serverInternal with Retry-After when the
  // lookup itself fails (fail closed: a paused client must not slip through).
  acme::Result<void> check_new_order(std::int64_t account_id,
                                     const std::vector<acme::Identifier>& identifiers,
                                     const std::string& acme_base_url) const;

  // What storage must do with a validation outcome for `task`'s pair, in the outcome's transaction.
  std::optional<storage::PauseBookkeeping> bookkeeping(const ValidationTask& task) const;
  // Logs what the bookkeeping did (paused / re-paused / skipped for grace), counts it, and on a
  // pause sends the notice to the account's contacts through the notifier.
  void report(const ValidationTask& task, storage::PauseEffect effect) const;
  const PauseCounters& counters() const { return counters_; }

  // The unpause link for `account_id` naming `identifiers` (display only, at most 15).
  std::string unpause_url(std::int64_t account_id, const std::vector<std::string>& identifiers,
                          const std::string& acme_base_url) const;
  pause::TokenResult verify_link(std::string_view jwt) const;
  acme::Result<std::vector<std::string>> paused_identifiers(std::int64_t account_id, std::size_t limit) const;
  // Unpauses the account's pairs, at most policy.max_unpaused_per_request per call, in batches.
  acme::Result<std::size_t> unpause_account(std::int64_t account_id) const;
  // Operators: pauses one pair (grace honoured).
  acme::Result<storage::PauseEffect> pause_pair(std::int64_t account_id,
                                                const acme::Identifier& identifier) const;

 private:
  storage::Store& store_;
  const common::Clock& clock_;
  PauseSettings settings_;
  PauseNotifier* notifier_;  // null: notices go to the log only
  mutable PauseCounters counters_;
};

// "dns:example.com" or "ip:192.0.2.1" → Identifier (normalised); nullopt when malformed (operators' CLI
// and management API).
std::optional<acme::Identifier> parse_pair_identifier(std::string_view text);

}  // namespace cobble::authority
