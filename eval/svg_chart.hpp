// Line charts as SVG with real text: panels of series on linear or log axes, with ticks, grid,
// axis titles, a legend and labelled point markers, laid out in a grid under one title. The
// output is a pure function of the figure (fixed number formatting), so the same data gives the
// same bytes. `rsvg-convert` (librsvg) turns it into PNG.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace visage::eval {

enum class Scale { kLinear, kLog };

struct Axis {
  std::string title;
  Scale scale = Scale::kLinear;
  // A fixed range; unset ends come from the data, widened to the outer ticks.
  std::optional<double> min;
  std::optional<double> max;
};

struct Series {
  std::string name;   // the line's <title> (a tooltip in browsers; how tests find it)
  std::string label;  // its legend entry; empty: not in the legend
  std::vector<double> x;
  // Non-finite points, and non-positive ones on a log axis, are skipped; a series without points
  // is only a legend entry.
  std::vector<double> y;
  std::string color = "#1f77b4";
  double width = 1.75;
  double opacity = 1.0;
  std::string dasharray;  // SVG stroke-dasharray ("6 4"); empty: a solid line
  bool dots = false;      // a dot at every point, for series of a few points
};

// A single point that matters (an operating point, a published number), drawn as a dot with a
// label beside it.
struct PointMarker {
  double x = 0.0;
  double y = 0.0;
  std::string label;
  std::string color = "#d62728";
};

struct Panel {
  std::string title;
  Axis x;
  Axis y;
  std::vector<Series> series;
  std::vector<PointMarker> markers;
};

struct Figure {
  std::string title;
  std::vector<Panel> panels;
  int columns = 1;
  int panel_width = 480;
  int panel_height = 320;
};

std::string render_svg(const Figure& figure);

// Text with &, <, >, " and ' as entities, so that any label is well-formed XML: bytes that are
// not UTF-8 (a Latin-1 file name) and the non-characters U+FFFE and U+FFFF become U+FFFD, control
// characters other than tab, newline and carriage return a space.
std::string xml_escape(std::string_view text);

// The i-th colour of a ten-colour palette that stays distinguishable (matplotlib's "tab10").
const std::string& series_color(size_t i);

}  // namespace visage::eval
