#include "metrics/text_format.hpp"

#include <charconv>
#include <cmath>

namespace cobble::metrics {
namespace {

// Prometheus: in label values \, " and newline are escaped; in HELP, \ and newline.
void append_escaped(std::string& out, std::string_view text, bool quotes) {
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quotes) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

std::string number(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, end);
}

const char* type_name(Type type) {
  switch (type) {
    case Type::counter:
      return "counter";
    case Type::gauge:
      return "gauge";
    case Type::histogram:
      return "histogram";
  }
  return "untyped";
}

template <class Child, class Write>
void each_child(const Family<Child>& family, Write&& write) {
  std::vector<Label> labels;
  family.for_each([&](const std::vector<std::string>& values, const Child& child) {
    labels.clear();
    for (std::size_t i = 0; i < values.size(); ++i) labels.push_back({family.label_names()[i], values[i]});
    write(std::span<const Label>(labels), child);
  });
}

}  // namespace

void TextWriter::family(std::string_view name, Type type, std::string_view help) {
  out_.append("# HELP ").append(name).push_back(' ');
  append_escaped(out_, help, false);
  out_.append("\n# TYPE ").append(name).push_back(' ');
  out_.append(type_name(type)).push_back('\n');
}

void TextWriter::series(std::string_view name, std::span<const Label> labels, std::string_view extra_name,
                        std::string_view extra_value) {
  out_.append(name);
  if (labels.empty() && extra_name.empty()) return;
  out_.push_back('{');
  bool first = true;
  auto add = [&](std::string_view label, std::string_view value) {
    if (!first) out_.push_back(',');
    first = false;
    out_.append(label).append("=\"");
    append_escaped(out_, value, true);
    out_.push_back('"');
  };
  for (const auto& l : labels) add(l.name, l.value);
  if (!extra_name.empty()) add(extra_name, extra_value);
  out_.push_back('}');
}

void TextWriter::sample(std::string_view name, std::span<const Label> labels, double value) {
  series(name, labels);
  out_.append(" ").append(number(value)).push_back('\n');
}

void TextWriter::sample(std::string_view name, std::span<const Label> labels, std::uint64_t value) {
  series(name, labels);
  out_.append(" ").append(std::to_string(value)).push_back('\n');
}

void TextWriter::histogram(std::string_view name, std::span<const Label> labels,
                           const HistogramSnapshot& figures) {
  std::string bucket = std::string(name) + "_bucket";
  for (std::size_t i = 0; i < figures.upper_bounds.size(); ++i) {
    series(bucket, labels, "le", number(figures.upper_bounds[i]));
    out_.append(" ").append(std::to_string(figures.cumulative[i])).push_back('\n');
  }
  series(bucket, labels, "le", "+Inf");
  out_.append(" ").append(std::to_string(figures.count)).push_back('\n');
  sample(std::string(name) + "_sum", labels, figures.sum_seconds);
  sample(std::string(name) + "_count", labels, figures.count);
}

void TextWriter::counters(std::string_view name, std::string_view help, const CounterFamily& family) {
  this->family(name, Type::counter, help);
  each_child(family,
             [&](std::span<const Label> labels, const Counter& c) { sample(name, labels, c.value()); });
}

void TextWriter::histograms(std::string_view name, std::string_view help, const HistogramFamily& family) {
  this->family(name, Type::histogram, help);
  each_child(family, [&](std::span<const Label> labels, const Histogram& h) {
    histogram(name, labels, h.snapshot());
  });
}

}  // namespace cobble::metrics
