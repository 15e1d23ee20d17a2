#include "pause-table/svg_plot.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "common/text.hpp"
#include "pause-table/report.hpp"

namespace cobble::pause_table {
namespace {

constexpr double kWidth = 860, kHeight = 520;
constexpr double kLeft = 90, kRight = 30, kTop = 50, kBottom = 60;
constexpr double kPlotWidth = kWidth - kLeft - kRight, kPlotHeight = kHeight - kTop - kBottom;
// Distinguishable colours for up to eight policies (options.hpp's kMaxPolicies).
constexpr std::array<const char*, 8> kColours{"#1f77b4", "#d62728", "#2ca02c", "#9467bd",
                                              "#ff7f0e", "#8c564b", "#e377c2", "#17becf"};

// 1, 2 or 5 × a power of ten, so that about `ticks` steps cover `range`.
double nice_step(double range, int ticks) {
  const double raw = std::max(range, 1.0) / ticks;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double n = raw / magnitude;
  return (n <= 1 ? 1 : n <= 2 ? 2 : n <= 5 ? 5 : 10) * magnitude;
}

// "950", "12k", "1.5M".
std::string short_count(double value) {
  if (value >= 1e6) return fmt::format("{:g}M", value / 1e6);
  if (value >= 1e3) return fmt::format("{:g}k", value / 1e3);
  return fmt::format("{:g}", value);
}

struct Scale {
  double days;
  double count;
  double x(double day) const { return kLeft + kPlotWidth * day / days; }
  double y(double n) const { return kTop + kPlotHeight * (1 - n / count); }
};

std::string polyline(const Scale& scale, const std::vector<std::int64_t>& by_day, std::string_view colour,
                     std::string_view extra) {
  std::string points;
  for (std::size_t d = 0; d < by_day.size(); ++d) {
    points += fmt::format("{}{:.1f},{:.1f}", d == 0 ? "" : " ", scale.x(static_cast<double>(d)),
                          scale.y(static_cast<double>(by_day[d])));
  }
  return fmt::format("<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"2\"{} points=\"{}\"/>\n", colour,
                     extra, points);
}

std::string axes(const Scale& scale, double day_step, double count_step) {
  std::string out = fmt::format(
      "<g stroke=\"#333\" stroke-width=\"1\">\n<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\"/>\n"
      "<line x1=\"{0}\" y1=\"{3}\" x2=\"{0}\" y2=\"{1}\"/>\n</g>\n",
      kLeft, kTop + kPlotHeight, kLeft + kPlotWidth, kTop);
  out += "<g font-size=\"12\" fill=\"#333\">\n";
  for (double day = 0; day <= scale.days + 1e-9; day += day_step) {
    out += fmt::format(
        "<line x1=\"{0:.1f}\" y1=\"{1}\" x2=\"{0:.1f}\" y2=\"{2}\" stroke=\"#333\"/>"
        "<text x=\"{0:.1f}\" y=\"{3}\" text-anchor=\"middle\">{4:g}</text>\n",
        scale.x(day), kTop + kPlotHeight, kTop + kPlotHeight + 5, kTop + kPlotHeight + 20, day);
  }
  for (double n = 0; n <= scale.count + 1e-9; n += count_step) {
    out += fmt::format(
        "<line x1=\"{0}\" y1=\"{1:.1f}\" x2=\"{2}\" y2=\"{1:.1f}\" stroke=\"#ddd\"/>"
        "<text x=\"{3}\" y=\"{4:.1f}\" text-anchor=\"end\">{5}</text>\n",
        kLeft, scale.y(n), kLeft + kPlotWidth, kLeft - 8, scale.y(n) + 4, short_count(n));
  }
  out += "</g>\n";
  out += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"14\" text-anchor=\"middle\">day</text>\n",
                     kLeft + kPlotWidth / 2, kHeight - 15);
  out += fmt::format(
      "<text x=\"20\" y=\"{0}\" font-size=\"14\" text-anchor=\"middle\" transform=\"rotate(-90 20 {0})\">"
      "failed validations (cumulative)</text>\n",
      kTop + kPlotHeight / 2);
  return out;
}

std::string legend(const std::vector<pause::Simulation>& runs) {
  const std::string baseline = "without pausing (what the clients tried)";
  std::size_t longest = baseline.size();
  for (const auto& run : runs) longest = std::max(longest, describe_policy(run.policy).size());
  // About 7 px per character of 12 px sans-serif, plus the sample line.
  const double width = 7.0 * static_cast<double>(longest) + 70;
  const double height = 22.0 * static_cast<double>(runs.size() + 1) + 10;
  std::string out = fmt::format(
      "<g font-size=\"12\">\n<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"white\" "
      "fill-opacity=\"0.85\" stroke=\"#999\"/>\n",
      kLeft + 12, kTop + 10, width, height);
  auto entry = [&](std::size_t i, std::string_view colour, std::string_view dash, const std::string& label) {
    const double y = kTop + 30 + 22.0 * static_cast<double>(i);
    return fmt::format(
        "<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"{3}\" stroke-width=\"2\"{4}/>"
        "<text x=\"{5}\" y=\"{6}\">{7}</text>\n",
        kLeft + 22, y, kLeft + 52, colour, dash, kLeft + 60, y + 4, common::markup_escape(label));
  };
  out += entry(0, "#666", " stroke-dasharray=\"6 4\"", baseline);
  for (std::size_t i = 0; i < runs.size(); ++i) {
    out += entry(i + 1, kColours[i % kColours.size()], "", describe_policy(runs[i].policy));
  }
  return out + "</g>\n";
}

}  // namespace

std::string render_svg(const std::vector<pause::Simulation>& runs, std::string_view title) {
  const auto& wanted = runs.front().wanted_by_day;
  double most = 1;
  for (const auto& run : runs) {
    most = std::max({most, static_cast<double>(run.wanted_by_day.back()),
                     static_cast<double>(run.failures_by_day.back())});
  }
  const double days = runs.front().days;
  const double day_step = std::max(1.0, nice_step(days, 8));
  const double count_step = nice_step(most, 6);
  const Scale scale{days, std::ceil(most / count_step) * count_step};

  std::string out = fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
      "font-family=\"sans-serif\">\n<title>{2}</title>\n"
      "<rect width=\"{0}\" height=\"{1}\" fill=\"white\"/>\n"
      "<text x=\"{3}\" y=\"28\" font-size=\"16\" text-anchor=\"middle\">{2}</text>\n",
      kWidth, kHeight, common::markup_escape(title), kWidth / 2);
  out += axes(scale, day_step, count_step);
  out += polyline(scale, wanted, "#666", " stroke-dasharray=\"6 4\"");
  for (std::size_t i = 0; i < runs.size(); ++i) {
    out += polyline(scale, runs[i].failures_by_day, kColours[i % kColours.size()], "");
  }
  out += legend(runs);
  return out + "</svg>\n";
}

}  // namespace cobble::pause_table
