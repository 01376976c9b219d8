#include "eval/roc_plot.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "eval/number_format.hpp"
#include "eval/png.hpp"

namespace visage::eval {
namespace {

constexpr Rgb kBackground{255, 255, 255};
constexpr Rgb kMajorGrid{210, 210, 210};
constexpr Rgb kMinorGrid{238, 238, 238};
constexpr Rgb kInk{0, 0, 0};
constexpr Rgb kCurve{31, 119, 180};

constexpr int kTick = 5;

void draw_grid_and_ticks(Canvas& canvas, const RocPlotGeometry& g) {
  for (int decade = static_cast<int>(RocPlotGeometry::kMinLogFar); decade <= 0; ++decade) {
    const double far = std::pow(10.0, decade);
    const int x = g.x_of_far(far);
    if (decade < 0) {
      for (int multiple = 2; multiple <= 9; ++multiple) {
        const int minor_x = g.x_of_far(multiple * far);
        canvas.line(minor_x, g.top, minor_x, g.bottom, kMinorGrid);
        canvas.line(minor_x, g.bottom, minor_x, g.bottom + kTick / 2, kInk);
      }
    }
    canvas.line(x, g.top, x, g.bottom, kMajorGrid);
    canvas.line(x, g.bottom, x, g.bottom + kTick, kInk);
    const std::string label = decade == 0 ? "1" : "1E" + std::to_string(decade);
    canvas.text(x - Canvas::text_width(label) / 2, g.bottom + kTick + 4, label, kInk);
  }
  for (int tenth = 0; tenth <= 10; ++tenth) {
    const int y = g.y_of_tar(tenth / 10.0);
    canvas.line(g.left, y, g.right, y, tenth % 2 == 0 ? kMajorGrid : kMinorGrid);
    canvas.line(g.left - (tenth % 2 == 0 ? kTick : kTick / 2), y, g.left, y, kInk);
    if (tenth % 2 == 0) {
      const std::string label = fixed(tenth / 10.0, 1);
      canvas.text(g.left - kTick - 4 - Canvas::text_width(label), y - Canvas::kGlyphHeight / 2,
                  label, kInk);
    }
  }
}

void draw_labels(Canvas& canvas, const RocPlotGeometry& g, const std::string& title) {
  canvas.line(g.left, g.top, g.left, g.bottom, kInk);
  canvas.line(g.left, g.bottom, g.right, g.bottom, kInk);
  canvas.line(g.right, g.top, g.right, g.bottom, kInk);
  canvas.line(g.left, g.top, g.right, g.top, kInk);

  const std::string x_name = "FALSE ACCEPT RATE (LOG SCALE)";
  canvas.text((g.left + g.right - Canvas::text_width(x_name)) / 2, g.bottom + kTick + 20, x_name,
              kInk);
  const std::string y_name = "TRUE ACCEPT RATE";
  canvas.text(std::max(2, g.left - Canvas::text_width(y_name) / 2), g.top - 12, y_name, kInk);
  constexpr int kTitleScale = 2;
  canvas.text(std::max(2, (g.width - Canvas::text_width(title, kTitleScale)) / 2), 4, title, kInk,
              kTitleScale);
}

}  // namespace

int RocPlotGeometry::x_of_far(double far) const {
  const double log_far = std::log10(std::clamp(far, std::pow(10.0, kMinLogFar), 1.0));
  const double t = (log_far - kMinLogFar) / -kMinLogFar;
  return left + static_cast<int>(std::lround(t * (right - left)));
}

int RocPlotGeometry::y_of_tar(double tar) const {
  const double t = std::clamp(tar, 0.0, 1.0);
  return bottom - static_cast<int>(std::lround(t * (bottom - top)));
}

RocPlotGeometry roc_plot_geometry(int width, int height) {
  RocPlotGeometry g;
  g.width = width;
  g.height = height;
  g.left = 64;
  g.top = 40;
  g.right = width - 20;
  g.bottom = height - 60;
  VISAGE_CHECK(g.right - g.left >= 100 && g.bottom - g.top >= 100, "a ROC plot of ", width, "x",
               height, " pixels is too small; it needs at least 184x200");
  return g;
}

Canvas render_roc_plot(const Roc& roc, const std::string& title, const RocPlotGeometry& geometry) {
  Canvas canvas(geometry.width, geometry.height, kBackground);
  draw_grid_and_ticks(canvas, geometry);
  draw_labels(canvas, geometry, title);
  for (size_t i = 1; i < roc.points.size(); ++i) {
    const RocPoint& a = roc.points[i - 1];
    const RocPoint& b = roc.points[i];
    canvas.line(geometry.x_of_far(a.far), geometry.y_of_tar(a.tar), geometry.x_of_far(b.far),
                geometry.y_of_tar(b.tar), kCurve, 2);
  }
  return canvas;
}

void write_roc_png(const Roc& roc, const std::string& title, const std::filesystem::path& path,
                   const RocPlotGeometry& geometry) {
  write_png(render_roc_plot(roc, title, geometry), path);
}

}  // namespace visage::eval
