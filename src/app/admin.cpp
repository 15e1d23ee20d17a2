#include "app/admin.hpp"

#include <CLI/CLI.hpp>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "app/config.hpp"
#include "app/rate_limits_config.hpp"
#include "authority/pauses.hpp"
#include "authority/rate_limits.hpp"
#include "common/clock.hpp"
#include "storage/store.hpp"

namespace cobble::app {
namespace {

struct Options {
  std::string data_dir = "data";
  std::string database;
  std::int64_t account = 0;
  std::string identifier;
  std::string batch;
  bool apply = false;
  int grace_days = 14;
  std::string config;  // limits: the server's config file, for the limits' sizes
  std::string prefix;  // limits: bucket key prefix
  std::size_t most = 20;
  bool reset = false;
};

std::vector<std::vector<std::string>> read_csv(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::vector<std::vector<std::string>> rows;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> cells;
    std::stringstream fields(line);
    for (std::string cell; std::getline(fields, cell, ',');) {
      while (!cell.empty() && std::isspace(static_cast<unsigned char>(cell.back()))) cell.pop_back();
      while (!cell.empty() && std::isspace(static_cast<unsigned char>(cell.front()))) cell.erase(0, 1);
      cells.push_back(cell);
    }
    rows.push_back(cells);
  }
  return rows;
}

const char* effect_name(storage::PauseEffect effect) {
  switch (effect) {
    case storage::PauseEffect::paused:
      return "paused";
    case storage::PauseEffect::repaused:
      return "re-paused";
    case storage::PauseEffect::skipped_for_grace:
      return "skipped (unpaused within the grace period)";
    case storage::PauseEffect::already_paused:
      return "already paused";
    default:
      return "unchanged";
  }
}

int pause_pairs(storage::Store& store, const Options& o) {
  std::vector<std::pair<std::int64_t, std::string>> pairs;
  if (!o.batch.empty()) {
    for (const auto& row : read_csv(o.batch)) {
      if (row.size() != 3) throw std::runtime_error("batch lines are \"account,type,value\"");
      pairs.emplace_back(std::stoll(row[0]), row[1] + ":" + row[2]);
    }
  } else {
    pairs.emplace_back(o.account, o.identifier);
  }
  bool dry_run = !o.batch.empty() && !o.apply;
  common::SystemClock clock;
  int failures = 0;
  for (const auto& [account, text] : pairs) {
    auto id = authority::parse_pair_identifier(text);
    if (account <= 0 || !id) {
      std::cerr << "skipping \"" << account << " " << text << "\": want a positive account and dns:NAME\n";
      ++failures;
      continue;
    }
    if (dry_run) {
      std::cout << "would pause account " << account << " " << text << "\n";
      continue;
    }
    auto effect =
        store.pause_pair(account, {id->type, id->value}, clock.now(), std::chrono::days(o.grace_days));
    if (!effect) {
      std::cerr << "account " << account << " " << text << ": " << effect.error().message << "\n";
      ++failures;
      continue;
    }
    std::cout << "account " << account << " " << text << ": " << effect_name(*effect) << "\n";
  }
  if (dry_run) std::cout << pairs.size() << " pair(s) would be paused; run again with --apply\n";
  return failures == 0 ? 0 : 1;
}

int unpause_accounts(storage::Store& store, const Options& o) {
  std::vector<std::int64_t> accounts;
  if (!o.batch.empty()) {
    for (const auto& row : read_csv(o.batch)) accounts.push_back(std::stoll(row.at(0)));
  } else {
    accounts.push_back(o.account);
  }
  bool dry_run = !o.batch.empty() && !o.apply;
  common::SystemClock clock;
  for (auto account : accounts) {
    if (dry_run) {
      auto paused = store.list_paused(account, 1'000'000);
      std::cout << "would unpause account " << account << " (" << (paused ? paused->size() : 0)
                << " paused)\n";
      continue;
    }
    std::size_t total = 0;
    for (;;) {  // batches of 10,000 until none is left
      auto done = store.unpause_account(account, 10'000, clock.now());
      if (!done) {
        std::cerr << "account " << account << ": " << done.error().message << "\n";
        return 1;
      }
      total += *done;
      if (*done < 10'000) break;
    }
    std::cout << "account " << account << ": unpaused " << total << " identifier(s)\n";
  }
  if (dry_run) std::cout << "run again with --apply to unpause\n";
  return 0;
}

int list_paused(storage::Store& store, const Options& o) {
  if (o.account > 0) {
    auto paused = store.list_paused(o.account, 1'000'000);
    if (!paused) throw std::runtime_error(paused.error().message);
    for (const auto& id : *paused) std::cout << id.type << ":" << id.value << "\n";
    std::cout << paused->size() << " paused identifier(s) for account " << o.account << "\n";
    return 0;
  }
  auto counts = store.count_paused(1000);
  if (!counts) throw std::runtime_error(counts.error().message);
  for (const auto& [account, n] : *counts) std::cout << "account " << account << ": " << n << " paused\n";
  std::cout << counts->size() << " account(s) with paused identifiers\n";
  return 0;
}

// The buckets nearest their limits (fewest tokens first), or with --reset, refills them.
int show_limits(storage::Store& store, const Options& o) {
  Config config;
  if (!o.config.empty()) {
    if (auto loaded = apply_file(config, o.config); !loaded) throw std::runtime_error(loaded.error().message);
  }
  auto table = rate_limits_from_json(config.rate_limits);
  if (!table) throw std::runtime_error("rateLimits: " + table.error().message);
  common::SystemClock clock;
  authority::RateLimits limits(store, clock, std::move(*table));
  if (o.reset) {
    auto reset = limits.reset(o.prefix);
    if (!reset) throw std::runtime_error(reset.error().detail);
    std::cout << "refilled " << *reset << " bucket(s)" << (o.prefix.empty() ? "" : " starting " + o.prefix)
              << "\n";
    return 0;
  }
  auto buckets = limits.list(o.prefix, o.most);
  if (!buckets) throw std::runtime_error(buckets.error().detail);
  for (const auto& b : *buckets) {
    std::cout << b.key << "  ";
    if (b.burst > 0) {
      std::cout << static_cast<std::int64_t>(b.tokens) << " of " << b.burst << " left, ";
    }
    std::cout << "full at " << common::to_rfc3339(b.full_at) << "\n";
  }
  std::cout << buckets->size() << " bucket(s)"
            << (o.config.empty() ? " (give --config to see the tokens left under the server's limits)" : "")
            << "\n";
  return 0;
}

}  // namespace

int run_admin(int argc, char** argv) {
  CLI::App cli{"cobble admin: pause and rate-limit tools for operators"};
  Options o;
  cli.add_option("--data-dir", o.data_dir, "data directory (default data)");
  cli.add_option("--database", o.database, "SQLite file or postgresql:// URL (default <data-dir>/cobble.db)");
  auto* pause = cli.add_subcommand("pause", "pause (account, identifier) pairs");
  pause->add_option("--account", o.account, "account id");
  pause->add_option("--identifier", o.identifier, "dns:NAME");
  pause->add_option("--batch", o.batch, "CSV file of account,type,value");
  pause->add_flag("--apply", o.apply, "carry out a batch (default: dry run)");
  pause->add_option("--grace-days", o.grace_days, "do not re-pause pairs unpaused this recently");
  auto* unpause = cli.add_subcommand("unpause", "unpause every paused identifier of accounts");
  unpause->add_option("--account", o.account, "account id");
  unpause->add_option("--batch", o.batch, "file with one account id per line");
  unpause->add_flag("--apply", o.apply, "carry out a batch (default: dry run)");
  auto* paused = cli.add_subcommand("paused", "list paused identifiers");
  paused->add_option("--account", o.account, "account id (default: all accounts, with counts)");
  auto* limits = cli.add_subcommand("limits", "rate-limit buckets nearest their limits, or --reset them");
  limits->add_option("--config", o.config, "the server's config file (for the limits' sizes)");
  limits->add_option("--prefix", o.prefix, "bucket key prefix, e.g. NewOrdersPerAccount:42");
  limits->add_option("--most", o.most, "how many buckets to list (default 20)");
  limits->add_flag("--reset", o.reset, "refill the buckets starting with --prefix (all without it)");
  cli.require_subcommand(1);
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e);
  }
  auto path = o.database.empty() ? (std::filesystem::path(o.data_dir) / "cobble.db").string() : o.database;
  if (!storage::is_postgresql_location(path) && !std::filesystem::exists(path)) {
    std::cerr << "cobble admin: no database at " << path << "\n";
    return 1;
  }
  auto store = storage::Store::open(path);
  if (!store) {
    std::cerr << "cobble admin: " << store.error().message << "\n";
    return 1;
  }
  try {
    if (pause->parsed()) {
      if (o.batch.empty() && (o.account <= 0 || o.identifier.empty()))
        throw std::runtime_error("give --account and --identifier, or --batch");
      return pause_pairs(**store, o);
    }
    if (unpause->parsed()) {
      if (o.batch.empty() && o.account <= 0) throw std::runtime_error("give --account or --batch");
      return unpause_accounts(**store, o);
    }
    if (limits->parsed()) return show_limits(**store, o);
    return list_paused(**store, o);
  } catch (const std::exception& e) {
    std::cerr << "cobble admin: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace cobble::app
