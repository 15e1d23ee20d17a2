#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/family.hpp"
#include "metrics/histogram.hpp"

namespace cobble::metrics {

enum class Type { counter, gauge, histogram };

struct Label {
  std::string_view name;
  std::string_view value;
};

// Writes Prometheus' text exposition format 0.0.4: a family's HELP and TYPE lines, then its
// samples. Label values and help texts are escaped as the format says, so any bytes a peer sent
// (a problem type, a route) cannot break a scrape. Names are the caller's: constants, checked by
// promtool in the tests.
class TextWriter {
 public:
  static constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

  void family(std::string_view name, Type type, std::string_view help);
  void sample(std::string_view name, std::span<const Label> labels, double value);
  void sample(std::string_view name, std::span<const Label> labels, std::uint64_t value);
  void sample(std::string_view name, std::uint64_t value) { sample(name, {}, value); }
  // name_bucket{...,le="..."} for each bound and +Inf, name_sum, name_count.
  void histogram(std::string_view name, std::span<const Label> labels, const HistogramSnapshot& figures);

  // A whole family: HELP/TYPE, then one sample per child, labelled with the family's names.
  void counters(std::string_view name, std::string_view help, const CounterFamily& family);
  void histograms(std::string_view name, std::string_view help, const HistogramFamily& family);

  std::string take() { return std::move(out_); }

 private:
  void series(std::string_view name, std::span<const Label> labels, std::string_view extra_name = {},
              std::string_view extra_value = {});
  std::string out_;
};

}  // namespace cobble::metrics
