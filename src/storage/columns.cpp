#include "storage/columns.hpp"

namespace cobble::storage {

std::string join_lines(const std::vector<std::string>& lines) {
  std::string joined;
  for (const std::string& line : lines) {
    if (!joined.empty()) joined += '\n';
    joined += line;
  }
  return joined;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  if (text.empty()) return lines;
  std::size_t start = 0;
  while (true) {
    std::size_t end = text.find('\n', start);
    lines.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) return lines;
    start = end + 1;
  }
}

std::string like_prefix(const std::string& prefix) {
  std::string pattern;
  for (char c : prefix) {
    if (c == '%' || c == '_' || c == '\\') pattern += '\\';
    pattern += c;
  }
  return pattern + "%";
}

std::int64_t to_micros(TimePoint t) {
  return std::chrono::floor<std::chrono::microseconds>(t.time_since_epoch()).count();
}

std::optional<std::int64_t> optional_micros(const std::optional<TimePoint>& t) {
  if (!t) return std::nullopt;
  return to_micros(*t);
}

TimePoint from_micros(std::int64_t micros) {
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::microseconds(micros)));
}

TimePoint bucket_start(TimePoint at, SeriesResolution resolution) {
  const std::chrono::seconds width{bucket_seconds(resolution)};
  return TimePoint(std::chrono::floor<std::chrono::seconds>(at.time_since_epoch()) / width * width);
}

std::int64_t bucket_seconds_since_epoch(TimePoint at, SeriesResolution resolution) {
  return std::chrono::floor<std::chrono::seconds>(bucket_start(at, resolution).time_since_epoch()).count();
}

TimePoint from_epoch_seconds(std::int64_t seconds) {
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::seconds(seconds)));
}

}  // namespace cobble::storage
