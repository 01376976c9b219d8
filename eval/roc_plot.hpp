// The ROC curve as a picture: TAR against FAR on a log scale from 1e-4 to 1, the range in which
// face verifiers are compared. Points with FAR below 1e-4 (including FAR = 0) sit on the left edge.
#pragma once

#include <filesystem>
#include <string>

#include "eval/canvas.hpp"
#include "eval/roc.hpp"

namespace visage::eval {

struct RocPlotGeometry {
  int width = 640;
  int height = 480;
  // The plot area inside the margins that hold the title, tick labels and axis names.
  int left = 64;
  int top = 40;
  int right = 620;
  int bottom = 420;
  static constexpr double kMinLogFar = -4.0;

  int x_of_far(double far) const;  // FAR clamped to [1e-4, 1]
  int y_of_tar(double tar) const;  // TAR clamped to [0, 1]
};

// Geometry for a picture of the given size, with fixed margins.
RocPlotGeometry roc_plot_geometry(int width, int height);

Canvas render_roc_plot(const Roc& roc, const std::string& title, const RocPlotGeometry& geometry);

void write_roc_png(const Roc& roc, const std::string& title, const std::filesystem::path& path,
                   const RocPlotGeometry& geometry = roc_plot_geometry(640, 480));

}  // namespace visage::eval
