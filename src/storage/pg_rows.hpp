#pragma once

#include <optional>
#include <string>
#include <vector>

#include "storage/columns.hpp"
#include "storage/pg.hpp"
#include "storage/records.hpp"

// Reading the PostgreSQL Store's result rows into records, shared by its files. A status column
// holds only tokens Cobble wrote; an unknown one (a hand-edited row) reads as the terminal state,
// so a request on it fails closed, as in the SQLite store.
namespace cobble::storage::pg_rows {

inline OrderStatus order_status(const std::string& text) {
  return common::parse_order_status(text).value_or(OrderStatus::invalid);
}
inline AuthzStatus authz_status(const std::string& text) {
  return common::parse_authz_status(text).value_or(AuthzStatus::invalid);
}
inline ChallengeStatus challenge_status(const std::string& text) {
  return common::parse_challenge_status(text).value_or(ChallengeStatus::invalid);
}

inline std::optional<TimePoint> optional_time(const pg::Rows& rows, int row, int column) {
  if (rows.is_null(row, column)) return std::nullopt;
  return from_micros(rows.int64(row, column));
}

inline std::vector<std::string> column_text(const pg::Rows& rows) {
  std::vector<std::string> out;
  for (int i = 0; i < rows.size(); ++i) out.push_back(rows.text(i, 0));
  return out;
}

inline constexpr const char* kChallengeColumns =
    "ch.id, ch.authz_id, ch.type, ch.token, ch.status, ch.validated_at, ch.error";

inline ChallengeRecord challenge_at(const pg::Rows& rows, int row, int first) {
  return ChallengeRecord{.id = rows.text(row, first),
                         .authz_id = rows.text(row, first + 1),
                         .type = rows.text(row, first + 2),
                         .token = rows.text(row, first + 3),
                         .status = challenge_status(rows.text(row, first + 4)),
                         .validated_at = optional_time(rows, row, first + 5),
                         .error = rows.text(row, first + 6)};
}

}  // namespace cobble::storage::pg_rows
