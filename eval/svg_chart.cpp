#include "eval/svg_chart.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <limits>
#include <optional>

#include "core/error.hpp"
#include "eval/axis_ticks.hpp"

namespace visage::eval {
namespace {

constexpr double kTitleSize = 16;
constexpr double kPanelTitleSize = 13;
constexpr double kAxisTitleSize = 12;
constexpr double kTickSize = 11;
constexpr double kLegendSize = 11;
constexpr double kTickLength = 4;
constexpr const char* kInk = "#222222";
constexpr const char* kTickInk = "#444444";
constexpr const char* kGrid = "#e3e3e3";
constexpr const char* kMinorGrid = "#f1f1f1";

// Pixel coordinates with two decimals: fixed text, so the output is byte-for-byte repeatable.
std::string px(double value) {
  if (std::abs(value) < 0.005) value = 0;  // never "-0.00"
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", value);
  return text;
}

// Width of `text` in pixels, estimated from DejaVu Sans (the widest of the usual sans-serif
// fonts: digits are 0.64 em) so that laid-out text does not collide in any of them.
double text_width(std::string_view text, double size) {
  const auto code_points = std::ranges::count_if(
      text, [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; });
  return static_cast<double>(code_points) * 0.62 * size;
}

// The length of the well-formed UTF-8 sequence that `text` starts with (Unicode's table 3-7: no
// overlong forms, surrogates or code points above U+10FFFF), or 0 when it starts with none.
size_t utf8_sequence(std::string_view text) {
  const auto in = [&](size_t i, unsigned lo, unsigned hi) {
    return i < text.size() && static_cast<unsigned char>(text[i]) >= lo &&
           static_cast<unsigned char>(text[i]) <= hi;
  };
  const auto lead = static_cast<unsigned char>(text[0]);
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return in(1, 0x80, 0xBF) ? 2 : 0;
  if (lead >= 0xE0 && lead <= 0xEF) {
    const bool second = in(1, lead == 0xE0 ? 0xA0 : 0x80, lead == 0xED ? 0x9F : 0xBF);
    return second && in(2, 0x80, 0xBF) ? 3 : 0;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    const bool second = in(1, lead == 0xF0 ? 0x90 : 0x80, lead == 0xF4 ? 0x8F : 0xBF);
    return second && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
  }
  return 0;
}

// One ASCII character as XML text.
std::string escape_ascii(char c) {
  switch (c) {
    case '&':
      return "&amp;";
    case '<':
      return "&lt;";
    case '>':
      return "&gt;";
    case '"':
      return "&quot;";
    case '\'':
      return "&apos;";
    default:
      // XML 1.0 has no control characters but tab, newline and carriage return.
      return std::string(
          1, static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r' ? ' ' : c);
  }
}

struct Range {
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();
  void add(double v) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  bool empty() const { return lo > hi; }
};

bool plottable(double v, Scale scale) {
  return std::isfinite(v) && (scale == Scale::kLinear || v > 0);
}

// The data range of one axis (series and markers) within its fixed ends, then its ticks.
AxisTicks axis_ticks(const Axis& axis, const Panel& panel, bool is_x) {
  const char* name = is_x ? "x" : "y";
  for (const std::optional<double>& end : {axis.min, axis.max}) {
    VISAGE_CHECK(!end || plottable(*end, axis.scale), "panel '", panel.title, "': its ", name,
                 " axis is fixed to end at ", *end,
                 axis.scale == Scale::kLog ? ", which a log axis cannot show" : "");
  }
  VISAGE_CHECK(!axis.min || !axis.max || *axis.min <= *axis.max, "panel '", panel.title, "': its ",
               name, " axis is fixed to run from ", *axis.min, " to ", *axis.max,
               ", a minimum above the maximum");
  Range range;
  for (const Series& s : panel.series) {
    for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
      if (plottable(s.x[i], panel.x.scale) && plottable(s.y[i], panel.y.scale)) {
        range.add(is_x ? s.x[i] : s.y[i]);
      }
    }
  }
  for (const PointMarker& m : panel.markers) {
    if (plottable(is_x ? m.x : m.y, axis.scale)) range.add(is_x ? m.x : m.y);
  }
  if (range.empty()) range = axis.scale == Scale::kLog ? Range{1, 10} : Range{0, 1};
  // A fixed end beyond all the data (a minimum above the largest value) leaves the range that
  // end alone; the ticks widen a range of one value around it.
  if (axis.min) range = {*axis.min, std::max(*axis.min, axis.max.value_or(range.hi))};
  if (axis.max) range = {std::min(range.lo, *axis.max), *axis.max};
  AxisTicks ticks =
      axis.scale == Scale::kLog ? log_ticks(range.lo, range.hi) : linear_ticks(range.lo, range.hi);
  // A fixed end is the end (ticks the nice rounding put beyond it go), unless both ends are one
  // value: that range stays widened.
  if (!axis.min || !axis.max || *axis.min < *axis.max) {
    if (axis.min) ticks.min = *axis.min;
    if (axis.max) ticks.max = *axis.max;
  }
  std::erase_if(ticks.ticks, [&](const Tick& t) {
    const double slack = 1e-9 * std::max(std::abs(ticks.min), std::abs(ticks.max));
    return t.value < ticks.min - slack || t.value > ticks.max + slack;
  });
  return ticks;
}

// Data value to pixel along one axis.
struct AxisMap {
  Scale scale = Scale::kLinear;
  double lo = 0, hi = 1;              // data range
  double pixel_lo = 0, pixel_hi = 1;  // where lo and hi land
  double operator()(double v) const {
    const double t = scale == Scale::kLog
                         ? (std::log10(v) - std::log10(lo)) / (std::log10(hi) - std::log10(lo))
                         : (v - lo) / (hi - lo);
    return pixel_lo + t * (pixel_hi - pixel_lo);
  }
};

struct Box {
  double left = 0, top = 0, right = 0, bottom = 0;
};

class PanelWriter {
 public:
  PanelWriter(std::string& out, const Panel& panel, int index, Box area)
      : out_(out), panel_(panel), index_(index), area_(area) {
    x_ticks_ = axis_ticks(panel.x, panel, true);
    y_ticks_ = axis_ticks(panel.y, panel, false);
    for (const Series& s : panel.series) {
      if (!s.label.empty()) legend_.push_back(&s);
    }
    lay_out();
    // When the legend covers data in every corner, a linear y axis gets headroom above the data
    // for it instead.
    if (legend_.size() >= 2 && points_under(legend_corner()) > 0 &&
        panel.y.scale == Scale::kLinear && !panel.y.max) {
      const double room = (legend_size().second + 2 * kLegendInset) / (plot_.bottom - plot_.top);
      if (room < 0.5) {
        y_ticks_ =
            linear_ticks(y_ticks_.min, y_ticks_.min + (y_ticks_.max - y_ticks_.min) / (1 - room));
        lay_out();
      }
    }
  }

  void write() {
    out_ += "<g class=\"panel\">\n";
    write_clip();
    write_grid();
    write_axes();
    write_titles();
    write_series();
    write_markers();
    write_legend();
    out_ += "</g>\n";
  }

 private:
  static constexpr double kLegendRow = 16;
  static constexpr double kLegendSwatch = 18;
  static constexpr double kLegendInset = 8;

  // The plot area inside the panel, leaving room for the titles and the y tick labels, and the
  // maps from data to pixels.
  void lay_out() {
    double label_width = 0;
    for (const Tick& t : y_ticks_.ticks) {
      label_width = std::max(label_width, text_width(t.label, kTickSize));
    }
    plot_.left = area_.left + (panel_.y.title.empty() ? 8 : 26) + label_width + kTickLength + 6;
    plot_.right = area_.right - 22;  // half of the last x tick label
    plot_.top = area_.top + (panel_.title.empty() ? 14 : 34);
    plot_.bottom = area_.bottom - (panel_.x.title.empty() ? 26 : 46);
    VISAGE_CHECK(plot_.right - plot_.left > 40 && plot_.bottom - plot_.top > 40, "panel '",
                 panel_.title, "' is too small for its labels");
    x_ = {panel_.x.scale, x_ticks_.min, x_ticks_.max, plot_.left, plot_.right};
    y_ = {panel_.y.scale, y_ticks_.min, y_ticks_.max, plot_.bottom, plot_.top};
  }

  std::pair<double, double> legend_size() const {
    double text_w = 0;
    for (const Series* s : legend_) text_w = std::max(text_w, text_width(s->label, kLegendSize));
    return {8 + kLegendSwatch + 6 + text_w + 8,
            6 + kLegendRow * static_cast<double>(legend_.size()) + 2};
  }

  size_t points_under(const Box& box) const {
    size_t covered = 0;
    for (const Series& s : panel_.series) {
      for_each_point(s, [&](double x, double y) {
        covered += x >= box.left && x <= box.right && y >= box.top && y <= box.bottom;
      });
    }
    return covered;
  }

  // The corner of the plot (top right first) whose legend box covers the fewest data points.
  Box legend_corner() const {
    const auto [w, h] = legend_size();
    const double right = plot_.right - kLegendInset;
    const double left = plot_.left + kLegendInset;
    const double top = plot_.top + kLegendInset;
    const double bottom = plot_.bottom - kLegendInset;
    const std::array<Box, 4> corners = {
        Box{right - w, top, right, top + h}, Box{right - w, bottom - h, right, bottom},
        Box{left, top, left + w, top + h}, Box{left, bottom - h, left + w, bottom}};
    return *std::ranges::min_element(
        corners, [&](const Box& a, const Box& b) { return points_under(a) < points_under(b); });
  }

  std::string clip_id() const { return "plot" + std::to_string(index_); }

  void line(double x1, double y1, double x2, double y2, const char* color, double width = 1) {
    out_ += "<line x1=\"" + px(x1) + "\" y1=\"" + px(y1) + "\" x2=\"" + px(x2) + "\" y2=\"" +
            px(y2) + "\" stroke=\"" + color + "\" stroke-width=\"" + px(width) + "\"/>\n";
  }

  // `attributes` go inside the <text> tag as they are (anchor, transform, weight).
  void text(double x, double y, std::string_view content, double size, const char* color,
            const std::string& attributes = "") {
    out_ += "<text x=\"" + px(x) + "\" y=\"" + px(y) + "\" font-size=\"" + px(size) + "\" fill=\"" +
            color + "\"" + (attributes.empty() ? "" : " " + attributes) + ">" +
            xml_escape(content) + "</text>\n";
  }

  void write_clip() {
    out_ += "<clipPath id=\"" + clip_id() + "\"><rect x=\"" + px(plot_.left) + "\" y=\"" +
            px(plot_.top) + "\" width=\"" + px(plot_.right - plot_.left) + "\" height=\"" +
            px(plot_.bottom - plot_.top) + "\"/></clipPath>\n";
  }

  // Minor lines at 2..9 times each decade, when a log axis is ticked by decades.
  static std::vector<double> minor_values(const AxisTicks& ticks, Scale scale) {
    std::vector<double> values;
    if (scale != Scale::kLog || ticks.ticks.size() < 2) return values;
    if (std::abs(ticks.ticks[1].value / ticks.ticks[0].value - 10) > 1e-6) return values;
    for (const Tick& t : ticks.ticks) {
      for (int multiple = 2; multiple <= 9; ++multiple) {
        const double v = multiple * t.value;
        if (v < ticks.max * (1 - 1e-9)) values.push_back(v);
      }
    }
    return values;
  }

  void write_grid() {
    for (const double v : minor_values(x_ticks_, panel_.x.scale)) {
      line(x_(v), plot_.top, x_(v), plot_.bottom, kMinorGrid);
    }
    for (const double v : minor_values(y_ticks_, panel_.y.scale)) {
      line(plot_.left, y_(v), plot_.right, y_(v), kMinorGrid);
    }
    for (const Tick& t : x_ticks_.ticks)
      line(x_(t.value), plot_.top, x_(t.value), plot_.bottom, kGrid);
    for (const Tick& t : y_ticks_.ticks)
      line(plot_.left, y_(t.value), plot_.right, y_(t.value), kGrid);
  }

  void write_axes() {
    out_ += "<rect x=\"" + px(plot_.left) + "\" y=\"" + px(plot_.top) + "\" width=\"" +
            px(plot_.right - plot_.left) + "\" height=\"" + px(plot_.bottom - plot_.top) +
            "\" fill=\"none\" stroke=\"#b0b0b0\"/>\n";
    line(plot_.left, plot_.bottom, plot_.right, plot_.bottom, kTickInk);
    line(plot_.left, plot_.top, plot_.left, plot_.bottom, kTickInk);

    // Every k-th x label when neighbours would touch.
    double widest = 0;
    for (const Tick& t : x_ticks_.ticks) widest = std::max(widest, text_width(t.label, kTickSize));
    size_t every = 1;
    if (x_ticks_.ticks.size() >= 2) {
      const double spacing = std::abs(x_(x_ticks_.ticks[1].value) - x_(x_ticks_.ticks[0].value));
      while (spacing * static_cast<double>(every) < widest + 10) ++every;
    }
    for (size_t i = 0; i < x_ticks_.ticks.size(); ++i) {
      const Tick& t = x_ticks_.ticks[i];
      line(x_(t.value), plot_.bottom, x_(t.value), plot_.bottom + kTickLength, kTickInk);
      if (i % every == 0) {
        text(x_(t.value), plot_.bottom + kTickLength + 13, t.label, kTickSize, kTickInk,
             "text-anchor=\"middle\"");
      }
    }
    for (const Tick& t : y_ticks_.ticks) {
      line(plot_.left - kTickLength, y_(t.value), plot_.left, y_(t.value), kTickInk);
      text(plot_.left - kTickLength - 3, y_(t.value) + 4, t.label, kTickSize, kTickInk,
           "text-anchor=\"end\"");
    }
  }

  void write_titles() {
    const double centre_x = (plot_.left + plot_.right) / 2;
    if (!panel_.title.empty()) {
      text(centre_x, area_.top + 22, panel_.title, kPanelTitleSize, kInk,
           "text-anchor=\"middle\" font-weight=\"bold\"");
    }
    if (!panel_.x.title.empty()) {
      text(centre_x, plot_.bottom + kTickLength + 33, panel_.x.title, kAxisTitleSize, kInk,
           "text-anchor=\"middle\"");
    }
    if (!panel_.y.title.empty()) {
      const double x = area_.left + 14;
      const double y = (plot_.top + plot_.bottom) / 2;
      text(x, y, panel_.y.title, kAxisTitleSize, kInk,
           "text-anchor=\"middle\" transform=\"rotate(-90 " + px(x) + " " + px(y) + ")\"");
    }
  }

  template <typename Visit>
  void for_each_point(const Series& s, Visit visit) const {
    for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
      if (plottable(s.x[i], panel_.x.scale) && plottable(s.y[i], panel_.y.scale)) {
        visit(x_(s.x[i]), y_(s.y[i]));
      }
    }
  }

  void write_series() {
    out_ += "<g clip-path=\"url(#" + clip_id() + ")\" fill=\"none\" stroke-linejoin=\"round\" " +
            "stroke-linecap=\"round\">\n";
    for (const Series& s : panel_.series) {
      std::string points;
      for_each_point(s, [&](double x, double y) {
        points += (points.empty() ? "" : " ") + px(x) + "," + px(y);
      });
      if (points.empty()) continue;  // a legend entry only
      out_ += "<polyline stroke=\"" + s.color + "\" stroke-width=\"" + px(s.width) + "\"";
      if (s.opacity < 1) out_ += " stroke-opacity=\"" + px(s.opacity) + "\"";
      if (!s.dasharray.empty()) out_ += " stroke-dasharray=\"" + s.dasharray + "\"";
      out_ += " points=\"" + points + "\"><title>" + xml_escape(s.name) + "</title></polyline>\n";
    }
    out_ += "</g>\n";
    // Dots are not clipped: a series' first and last points lie on the plot's edges.
    for (const Series& s : panel_.series) {
      if (!s.dots) continue;
      for_each_point(s, [&](double x, double y) {
        out_ += "<circle cx=\"" + px(x) + "\" cy=\"" + px(y) + "\" r=\"2.75\" fill=\"" + s.color +
                "\"/>\n";
      });
    }
  }

  void write_markers() {
    for (const PointMarker& m : panel_.markers) {
      if (!plottable(m.x, panel_.x.scale) || !plottable(m.y, panel_.y.scale)) continue;
      const double x = x_(m.x);
      const double y = y_(m.y);
      out_ += "<circle cx=\"" + px(x) + "\" cy=\"" + px(y) + "\" r=\"4.5\" fill=\"" + m.color +
              "\" stroke=\"white\" stroke-width=\"1.5\"/>\n";
      // Below and to the right of the point (a rising curve leaves that corner free), or to the
      // left when the label would leave the plot; a white halo keeps it readable over lines.
      const bool fits_right = x + 8 + text_width(m.label, kLegendSize) <= plot_.right;
      text(fits_right ? x + 8 : x - 8, y + 15, m.label, kLegendSize, kInk,
           std::string(fits_right ? "" : "text-anchor=\"end\" ") +
               "stroke=\"white\" stroke-width=\"3\" paint-order=\"stroke\"");
    }
  }

  void write_legend() {
    if (legend_.size() < 2) return;
    const Box box = legend_corner();
    out_ += "<rect x=\"" + px(box.left) + "\" y=\"" + px(box.top) + "\" width=\"" +
            px(box.right - box.left) + "\" height=\"" + px(box.bottom - box.top) +
            "\" rx=\"3\" fill=\"white\" fill-opacity=\"0.9\" stroke=\"#c8c8c8\"/>\n";
    for (size_t i = 0; i < legend_.size(); ++i) {
      const Series& s = *legend_[i];
      const double y = box.top + 6 + kLegendRow * (static_cast<double>(i) + 0.5);
      out_ += "<line x1=\"" + px(box.left + 8) + "\" y1=\"" + px(y) + "\" x2=\"" +
              px(box.left + 8 + kLegendSwatch) + "\" y2=\"" + px(y) + "\" stroke=\"" + s.color +
              "\" stroke-width=\"" + px(std::max(s.width, 2.0)) + "\"" +
              (s.dasharray.empty() ? "" : " stroke-dasharray=\"" + s.dasharray + "\"") + "/>\n";
      text(box.left + 8 + kLegendSwatch + 6, y + 4, s.label, kLegendSize, kInk);
    }
  }

  std::string& out_;
  const Panel& panel_;
  int index_;
  Box area_;
  Box plot_;
  std::vector<const Series*> legend_;
  AxisTicks x_ticks_;
  AxisTicks y_ticks_;
  AxisMap x_;
  AxisMap y_;
};

}  // namespace

std::string xml_escape(std::string_view text) {
  constexpr std::string_view kReplacement = "\uFFFD";
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const size_t length = utf8_sequence(text.substr(i));
    if (length == 0) {  // a byte that starts no well-formed sequence (Latin-1 "\xE9")
      out += kReplacement;
      ++i;
      continue;
    }
    const std::string_view sequence = text.substr(i, length);
    i += length;
    if (sequence == "\uFFFE" || sequence == "\uFFFF") {  // not characters in XML 1.0
      out += kReplacement;
    } else if (length > 1) {
      out += sequence;
    } else {
      out += escape_ascii(sequence[0]);
    }
  }
  return out;
}

const std::string& series_color(size_t i) {
  static const std::array<std::string, 10> kPalette = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728",
                                                       "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                                                       "#bcbd22", "#17becf"};
  return kPalette[i % kPalette.size()];
}

std::string render_svg(const Figure& figure) {
  VISAGE_CHECK(!figure.panels.empty() && figure.columns >= 1, "a figure needs a panel");
  const int columns = std::min(figure.columns, static_cast<int>(figure.panels.size()));
  const int rows = (static_cast<int>(figure.panels.size()) + columns - 1) / columns;
  const double title_band = figure.title.empty() ? 0 : 36;
  const int width = columns * figure.panel_width;
  const int height = static_cast<int>(title_band) + rows * figure.panel_height;

  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(width) +
         "\" height=\"" + std::to_string(height) + "\" viewBox=\"0 0 " + std::to_string(width) +
         " " + std::to_string(height) + "\" font-family=\"sans-serif\">\n";
  out += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  if (!figure.title.empty()) {
    out += "<text x=\"" + px(width / 2.0) + "\" y=\"24.00\" font-size=\"" + px(kTitleSize) +
           "\" font-weight=\"bold\" fill=\"" + kInk + "\" text-anchor=\"middle\">" +
           xml_escape(figure.title) + "</text>\n";
  }
  for (size_t i = 0; i < figure.panels.size(); ++i) {
    const int column = static_cast<int>(i) % columns;
    const int row = static_cast<int>(i) / columns;
    const Box area{static_cast<double>(column * figure.panel_width),
                   title_band + row * figure.panel_height,
                   static_cast<double>((column + 1) * figure.panel_width),
                   title_band + (row + 1) * figure.panel_height};
    PanelWriter(out, figure.panels[i], static_cast<int>(i), area).write();
  }
  out += "</svg>\n";
  return out;
}

}  // namespace visage::eval
