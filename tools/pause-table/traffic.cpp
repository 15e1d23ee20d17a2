#include "pause-table/traffic.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <filesystem>
#include <utility>

#include "common/files.hpp"
#include "common/text.hpp"

namespace cobble::pause_table {
namespace {

using pause::PairTraffic;

enum class Column { account, identifier, failures_per_day, successes_per_day, start_day, unpause_after_days };

constexpr std::array<std::pair<std::string_view, Column>, 6> kColumns{{
    {"account", Column::account},
    {"identifier", Column::identifier},
    {"failures_per_day", Column::failures_per_day},
    {"successes_per_day", Column::successes_per_day},
    {"start_day", Column::start_day},
    {"unpause_after_days", Column::unpause_after_days},
}};
constexpr std::array<Column, 3> kRequired{Column::account, Column::identifier, Column::failures_per_day};

std::string_view name_of(Column column) {
  for (const auto& [name, c] : kColumns) {
    if (c == column) return name;
  }
  return "?";
}

std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> fields;
  for (std::size_t from = 0;;) {
    const std::size_t comma = line.find(',', from);
    fields.push_back(common::trim(line.substr(from, comma == std::string_view::npos ? comma : comma - from)));
    if (comma == std::string_view::npos) return fields;
    from = comma + 1;
  }
}

std::expected<std::vector<Column>, std::string> parse_header(std::string_view line) {
  std::vector<Column> columns;
  for (std::string_view field : split_fields(line)) {
    const auto* known = std::find_if(kColumns.begin(), kColumns.end(),
                                     [&](const auto& entry) { return entry.first == field; });
    if (known == kColumns.end()) {
      return std::unexpected(fmt::format("unknown column '{}' in the header (expected {})",
                                         common::printable(field, 40), kTrafficHeader));
    }
    if (std::find(columns.begin(), columns.end(), known->second) != columns.end()) {
      return std::unexpected(fmt::format("the column '{}' appears twice in the header", field));
    }
    columns.push_back(known->second);
  }
  for (Column required : kRequired) {
    if (std::find(columns.begin(), columns.end(), required) == columns.end()) {
      return std::unexpected(
          fmt::format("the header lacks the column '{}' (expected {})", name_of(required), kTrafficHeader));
    }
  }
  return columns;
}

std::expected<double, std::string> parse_number(Column column, std::string_view field) {
  double value = 0;
  const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
  if (ec != std::errc() || end != field.data() + field.size()) {
    return std::unexpected(
        fmt::format("{} '{}' is not a number", name_of(column), common::printable(field, 40)));
  }
  return value;
}

// One row's fields into a pair, or what is wrong with them (ranges are check_traffic's).
std::expected<PairTraffic, std::string> parse_row(const std::vector<Column>& columns,
                                                  const std::vector<std::string_view>& fields) {
  if (fields.size() != columns.size()) {
    return std::unexpected(
        fmt::format("{} fields, but the header names {} columns", fields.size(), columns.size()));
  }
  PairTraffic row;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    const Column column = columns[i];
    const std::string_view field = fields[i];
    if (column == Column::account || column == Column::identifier) {
      (column == Column::account ? row.account : row.identifier) = field;
      continue;
    }
    if (field.empty()) {
      if (column == Column::failures_per_day) return std::unexpected("failures_per_day is empty");
      continue;  // an optional column's default
    }
    auto value = parse_number(column, field);
    if (!value) return std::unexpected(value.error());
    switch (column) {
      case Column::failures_per_day:
        row.failures_per_day = *value;
        break;
      case Column::successes_per_day:
        row.successes_per_day = *value;
        break;
      case Column::start_day:
        row.start_day = *value;
        break;
      case Column::unpause_after_days:
        row.unpause_after_days = *value;
        break;
      default:
        break;
    }
  }
  return row;
}

}  // namespace

std::expected<std::vector<PairTraffic>, TrafficError> parse_traffic_csv(std::string_view text) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // a byte order mark from a spreadsheet
  std::optional<std::vector<Column>> columns;
  std::vector<PairTraffic> rows;
  std::vector<std::size_t> row_lines;
  std::size_t number = 0;
  for (std::size_t from = 0; from <= text.size();) {
    const std::size_t newline = std::min(text.find('\n', from), text.size());
    const std::string_view line = common::trim(text.substr(from, newline - from));
    from = newline + 1;
    ++number;
    if (line.empty() || line.starts_with('#')) continue;
    auto fail = [&](std::string message) {
      return std::unexpected(TrafficError{number, std::move(message)});
    };
    if (line.find('"') != std::string_view::npos) return fail("quoted fields are not supported");
    if (!columns) {
      auto header = parse_header(line);
      if (!header) return fail(header.error());
      columns = std::move(*header);
      continue;
    }
    if (rows.size() == kMaxTrafficRows) return fail(fmt::format("more than {} rows", kMaxTrafficRows));
    auto row = parse_row(*columns, split_fields(line));
    if (!row) return fail(row.error());
    rows.push_back(std::move(*row));
    row_lines.push_back(number);
  }
  if (!columns)
    return std::unexpected(TrafficError{0, fmt::format("no header (expected {})", kTrafficHeader)});
  if (rows.empty()) return std::unexpected(TrafficError{0, "no rows after the header"});
  if (auto problem = pause::check_traffic(rows)) {
    return std::unexpected(TrafficError{row_lines[problem->row], std::move(problem->message)});
  }
  return rows;
}

std::expected<std::vector<PairTraffic>, std::string> read_traffic_file(const std::string& path) {
  if (std::error_code ec; std::filesystem::is_directory(path, ec)) {
    return std::unexpected(fmt::format("{}: is a directory", path));
  }
  auto text = common::read_file_if_exists(path);
  if (!text) return std::unexpected(text.error().message);
  if (!*text) return std::unexpected(fmt::format("{}: no such file", path));
  auto rows = parse_traffic_csv(**text);
  if (!rows) {
    const TrafficError& error = rows.error();
    return std::unexpected(error.line == 0 ? fmt::format("{}: {}", path, error.message)
                                           : fmt::format("{}:{}: {}", path, error.line, error.message));
  }
  return std::move(*rows);
}

std::vector<PairTraffic> uniform_traffic(std::int64_t pairs, double failures_per_day,
                                         double successes_per_day, std::optional<double> unpause_after_days) {
  std::vector<PairTraffic> rows;
  for (std::int64_t i = 1; i <= pairs; ++i) {
    rows.push_back(PairTraffic{.account = fmt::format("account-{}", i),
                               .identifier = "example.com",
                               .failures_per_day = failures_per_day,
                               .successes_per_day = successes_per_day,
                               .unpause_after_days = unpause_after_days});
  }
  return rows;
}

}  // namespace cobble::pause_table
