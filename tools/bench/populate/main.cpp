// cobble-populate: fills a Cobble database with N accounts, their orders and M validation
// attempts through storage::Store, for scale benchmarks (bench/scale.sh, bench/README.md).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>

#include "populate/populate.hpp"

int main(int argc, char** argv) {
  std::string db;
  cobble::populate::Plan plan;
  bool quiet = false;
  CLI::App app{
      "cobble-populate: fills a Cobble database (created if missing) with many accounts, orders and "
      "validation attempts through the Store, in batched transactions, for scale benchmarks.",
      "cobble-populate"};
  app.add_option("--db", db, "the database file (cobble uses <data-dir>/cobble.db)")->required();
  app.add_option("--accounts", plan.accounts, "accounts to create")
      ->required()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--attempts", plan.attempts, "validation attempts, spread evenly over the accounts")
      ->required()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--orders-per-account", plan.orders_per_account,
                 "orders (one authorization, three challenges each) per ordering account (default 1)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--order-every", plan.order_every, "every Nth account orders (default 10)")
      ->check(CLI::PositiveNumber);
  app.add_option("--batch", plan.batch, "rows per transaction (default 20000)")->check(CLI::PositiveNumber);
  app.add_flag("--quiet", quiet, "no progress lines, only the summary");
  CLI11_PARSE(app, argc, argv);
  if (plan.attempts > 0 && plan.accounts == 0) {
    std::fprintf(stderr, "cobble-populate: --attempts needs at least one account (--accounts)\n");
    return 2;
  }

  auto store = cobble::storage::Store::open(db);
  if (!store) {
    std::fprintf(stderr, "cobble-populate: %s\n", store.error().message.c_str());
    return 1;
  }
  double last_report = -1, last_seen = 0, phase_start = 0;
  std::string phase;
  auto report = [&](const cobble::populate::Progress& p) {
    if (p.phase != phase) phase = p.phase, phase_start = last_seen;
    last_seen = p.elapsed_s;
    bool done = p.done >= p.total;
    if (quiet || (!done && p.elapsed_s - last_report < 2)) return;
    std::fprintf(stderr, "cobble-populate: %s %lld/%lld after %.1f s (%.0f/s)\n", p.phase.c_str(),
                 static_cast<long long>(p.done), static_cast<long long>(p.total), p.elapsed_s,
                 static_cast<double>(p.done) / std::max(p.elapsed_s - phase_start, 1e-6));
    last_report = p.elapsed_s;
  };
  auto totals = cobble::populate::populate(**store, plan, std::chrono::system_clock::now(), report);
  if (!totals) {
    std::fprintf(stderr, "cobble-populate: %s\n", totals.error().message.c_str());
    return 1;
  }
  std::error_code ec;
  auto bytes = std::filesystem::file_size(db, ec);
  auto rate = [](std::int64_t n, double s) { return static_cast<double>(n) / std::max(s, 1e-6); };
  std::fputs(fmt::format("cobble-populate: {} accounts ({:.1f} s, {:.0f}/s), {} orders ({:.1f} s, {:.0f}/s), "
                         "{} validation attempts ({:.1f} s, {:.0f}/s); {:.1f} s in all; {} MB\n",
                         totals->accounts, totals->accounts_s, rate(totals->accounts, totals->accounts_s),
                         totals->orders, totals->orders_s, rate(totals->orders, totals->orders_s),
                         totals->attempts, totals->attempts_s, rate(totals->attempts, totals->attempts_s),
                         totals->elapsed_s, ec ? 0 : bytes >> 20)
                 .c_str(),
             stdout);
  return 0;
}
