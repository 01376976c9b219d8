#include "eval/roc_plot.hpp"

#include <algorithm>
#include <cmath>

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

std::string roc_svg(const VerificationResult& result) {
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
  panel.series.push_back(std::move(curve));
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
