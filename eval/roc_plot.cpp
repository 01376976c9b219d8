#include "eval/roc_plot.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "eval/number_format.hpp"
#include "eval/report.hpp"
#include "eval/svg_chart.hpp"

namespace visage::eval {
namespace {

double far_axis_min(const Roc& roc) {
  double smallest = 1e-4;
  for (const RocPoint& p : roc.points) {
    if (p.far > 0) smallest = std::min(smallest, p.far);
  }
  return std::pow(10.0, std::floor(std::log10(smallest) + 1e-9));
}

std::string operating_point_label(const ValAtFar& v) {
  std::string label = "VAL@FAR=" + significant(v.requested_far, 3) + ": " + fixed(v.val, 3);
  if (!v.resolved) label += " (at FAR " + significant(v.far, 3) + ")";
  return label;
}

}  // namespace

std::string roc_svg(const VerificationResult& result,
                    std::span<const AccuracyReference> references) {
  Panel panel;
  panel.x = {"false accept rate (FAR)", Scale::kLog, far_axis_min(result.roc), 1.0};
  panel.y = {"true accept rate (TAR)", Scale::kLinear, 0.0, 1.0};
  Series curve;
  curve.name = "ROC";
  curve.width = 2;
  for (const RocPoint& p : result.roc.points) {
    curve.x.push_back(std::max(p.far, *panel.x.min));
    curve.y.push_back(p.tar);
  }
  // With references there is a legend; the curve's entry gives its own accuracy to compare.
  if (!references.empty()) curve.label = "this ROC (accuracy " + fixed(result.accuracy, 4) + ")";
  panel.series.push_back(std::move(curve));
  const double matched = static_cast<double>(result.same_pairs);
  const double mismatched = static_cast<double>(result.different_pairs);
  for (size_t i = 0; i < references.size(); ++i) {
    const AccuracyReference& reference = references[i];
    VISAGE_CHECK(reference.accuracy > 0 && reference.accuracy <= 1, "reference '", reference.name,
                 "': accuracy ", reference.accuracy, " is not in (0, 1]");
    Series line;
    line.name = "reference " + reference.name;
    line.label = reference.name + " (" + fixed(reference.accuracy, 4) + ")";
    line.color = series_color(i + 1);
    line.dasharray = "6 4";
    line.width = 1.5;
    // Log-spaced FARs across the axis; TAR above 1 is off the chart, so the line ends there.
    const double lo = std::log10(*panel.x.min);
    constexpr int kSteps = 200;
    for (int step = 0; step <= kSteps; ++step) {
      const double far = std::pow(10.0, lo - lo * step / kSteps);
      const double tar =
          (reference.accuracy * (matched + mismatched) - mismatched * (1.0 - far)) / matched;
      if (tar < 0 || tar > 1) continue;
      line.x.push_back(far);
      line.y.push_back(tar);
    }
    panel.series.push_back(std::move(line));
  }
  for (const ValAtFar& v : result.val) {
    panel.markers.push_back({std::max(v.far, *panel.x.min), v.val, operating_point_label(v)});
  }

  Figure figure;
  figure.title = roc_plot_title(result);
  figure.panels.push_back(std::move(panel));
  figure.panel_width = 640;
  figure.panel_height = 460;
  return render_svg(figure);
}

}  // namespace visage::eval
