#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "storage/records.hpp"

// How both backends keep values in columns, so a database moved between them reads the same.
namespace cobble::storage {

// Times are INTEGER/BIGINT microseconds since the Unix epoch (finer parts are truncated).
std::int64_t to_micros(TimePoint t);
TimePoint from_micros(std::int64_t micros);
std::optional<std::int64_t> optional_micros(const std::optional<TimePoint>& t);
// Series buckets (metric_series.bucket_start) are whole seconds since the epoch: the bucket of
// `resolution` that holds `at`, and back.
std::int64_t bucket_seconds_since_epoch(TimePoint at, SeriesResolution resolution);
TimePoint from_epoch_seconds(std::int64_t seconds);
// A LIKE pattern (ESCAPE '\\') matching the texts that start with `prefix`, LIKE's own wildcards in it
// escaped.
std::string like_prefix(const std::string& prefix);
// Lists kept in one TEXT column, one item a line (contacts, addresses).
std::string join_lines(const std::vector<std::string>& lines);
std::vector<std::string> split_lines(const std::string& text);

}  // namespace cobble::storage
