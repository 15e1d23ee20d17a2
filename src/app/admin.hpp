#pragma once

namespace cobble::app {

// `cobble admin …`: operators' pause and rate-limit tools on the database (works while the server runs;
// SQLite serialises the writers). argv[0] is "admin". Returns the exit code.
//   pause   --account ID --identifier dns:NAME      pause one pair now
//   pause   --batch FILE [--apply]                  CSV "account,type,value" lines; dry-run unless --apply
//   unpause --account ID                            unpause every pair of the account
//   unpause --batch FILE [--apply]                  one account id per line; dry-run unless --apply
//   paused  [--account ID]                          list paused identifiers, or accounts with counts
//   limits  [--config FILE] [--prefix P] [--most N] rate-limit buckets, emptiest first
//   limits  --reset [--prefix P]                    refill buckets (all without --prefix)
int run_admin(int argc, char** argv);

}  // namespace cobble::app
