// The SVG chart writer: tick values and labels, escaping (text that is not UTF-8 included), a
// figure that is well-formed XML, the same bytes every time, and puts each data point where its
// value says, and fixed axis ranges that are degenerate or inverted.
#include "eval/svg_chart.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <optional>

#include "core/error.hpp"
#include "eval/axis_ticks.hpp"
#include "tests/support/svg_reading.hpp"
#include "tests/support/temp_folder.hpp"
#include "tests/support/text_file.hpp"

namespace visage::eval {
namespace {

std::vector<std::string> labels(const AxisTicks& axis) {
  std::vector<std::string> out;
  for (const Tick& t : axis.ticks) out.push_back(t.label);
  return out;
}

using Labels = std::vector<std::string>;

TEST(SvgChart, LinearTicksAreNiceValuesCoveringTheData) {
  const AxisTicks fractions = linear_ticks(0.13, 0.87);
  EXPECT_EQ(labels(fractions), (Labels{"0.0", "0.2", "0.4", "0.6", "0.8", "1.0"}));
  EXPECT_DOUBLE_EQ(fractions.min, 0.0);
  EXPECT_DOUBLE_EQ(fractions.max, 1.0);
  EXPECT_EQ(labels(linear_ticks(0, 400)), (Labels{"0", "100", "200", "300", "400"}));
  EXPECT_EQ(labels(linear_ticks(0, 240000)), (Labels{"0", "50k", "100k", "150k", "200k", "250k"}));
  EXPECT_EQ(labels(linear_ticks(-0.27, 0.1)), (Labels{"-0.3", "-0.2", "-0.1", "0.0", "0.1"}));
  EXPECT_EQ(labels(linear_ticks(0.1502, 0.1608)), (Labels{"0.150", "0.155", "0.160", "0.165"}));
  // A constant series still gets an axis around its value.
  const AxisTicks constant = linear_ticks(192, 192);
  EXPECT_LT(constant.min, 192);
  EXPECT_GT(constant.max, 192);
  EXPECT_GE(constant.ticks.size(), 3u);
}

TEST(SvgChart, LogTicksAreDecadesOrOneTwoFiveInsideShortRanges) {
  const AxisTicks far = log_ticks(3.3e-4, 1);
  EXPECT_EQ(labels(far), (Labels{"10⁻⁴", "10⁻³", "10⁻²", "10⁻¹", "1"}));
  EXPECT_DOUBLE_EQ(far.min, 1e-4);
  EXPECT_DOUBLE_EQ(far.max, 1);
  EXPECT_EQ(labels(log_ticks(3e-4, 2e-3)), (Labels{"0.0002", "0.0005", "0.001", "0.002"}));
  EXPECT_EQ(labels(log_ticks(40, 3000)), (Labels{"10", "10²", "10³", "10⁴"}));
  // A constant series gets an axis on both sides of its value, even one that is a tick.
  const AxisTicks constant = log_ticks(0.002, 0.002);
  EXPECT_EQ(labels(constant), (Labels{"0.001", "0.002", "0.005"}));
}

TEST(SvgChart, XmlEscapeMakesAnyTextSafe) {
  EXPECT_EQ(xml_escape("a<b & \"c\" 'd'>"), "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;");
  EXPECT_EQ(xml_escape(std::string("bell\x07") + "10⁻³"), "bell 10⁻³");
}

TEST(SvgChart, XmlEscapeReplacesWhatIsNotUtf8) {
  // Well-formed UTF-8 of every length stays.
  EXPECT_EQ(xml_escape("é ⁻ 😀 tab\t"), "é ⁻ 😀 tab\t");
  // A Latin-1 file name, a truncated sequence, an overlong '/', an encoded surrogate, a code
  // point above U+10FFFF, stray continuation bytes and the non-characters U+FFFE and U+FFFF.
  EXPECT_EQ(xml_escape("caf\xE9_log.jsonl"), "caf�_log.jsonl");
  EXPECT_EQ(xml_escape("a\xE2\x81"), "a��");
  EXPECT_EQ(xml_escape("\xC0\xAF"), "��");
  EXPECT_EQ(xml_escape("\xED\xA0\x80"), "���");
  EXPECT_EQ(xml_escape("\xF4\x90\x80\x80"), "����");
  EXPECT_EQ(xml_escape("\x80\xBF<"), "��&lt;");
  EXPECT_EQ(xml_escape("\xEF\xBF\xBE\xEF\xBF\xBF\xEF\xBF\xBD"), "���");
}

Series series(std::string name, std::string label, std::vector<double> x, std::vector<double> y) {
  Series s;
  s.name = std::move(name);
  s.label = std::move(label);
  s.x = std::move(x);
  s.y = std::move(y);
  return s;
}

// Points map linearly when each coordinate's offset from the first point, as a fraction of the
// whole span, is that of its value.
void expect_linear_map(const std::vector<double>& values, const std::vector<double>& pixels) {
  ASSERT_EQ(values.size(), pixels.size());
  const double value_span = values.back() - values.front();
  const double pixel_span = pixels.back() - pixels.front();
  for (size_t i = 0; i < values.size(); ++i) {
    EXPECT_NEAR((pixels[i] - pixels.front()) / pixel_span,
                (values[i] - values.front()) / value_span, 0.01 / std::abs(pixel_span))
        << "point " << i;
  }
}

TEST(SvgChart, FigureIsWellFormedRepeatableAndPlacesEveryPoint) {
  Figure figure;
  figure.title = "runs <a> & \"b\"";
  figure.columns = 2;
  Panel linear;
  linear.title = "loss";
  linear.x.title = "iteration";
  linear.y.title = "loss";
  const Series a = series("loss: a&b", "a&b", {0, 10, 20, 40}, {2.5, 1.25, 0.75, 0.5});
  Series b = series("loss: c", "c", {0, 40}, {1, 2});
  b.color = series_color(1);
  linear.series = {a, b};
  Panel log;
  log.x = {"false accept rate", Scale::kLog, 1e-4, 1.0};
  log.y = {"true accept rate", Scale::kLinear, 0.0, 1.0};
  log.series.push_back(series("ROC", "", {1e-4, 1e-3, 1e-2, 1}, {0.1, 0.5, 0.9, 1}));
  log.markers.push_back({1e-3, 0.5, "VAL@FAR=0.001: 0.500"});
  figure.panels = {linear, log};

  const std::string svg = render_svg(figure);
  EXPECT_EQ(render_svg(figure), svg);
  const testing::TempFolder folder;
  testing::write_text(folder / "figure.svg", svg);
  EXPECT_EQ(testing::xml_problems(folder / "figure.svg"), "");
  EXPECT_NE(svg.find(">runs &lt;a&gt; &amp; &quot;b&quot;</text>"), std::string::npos);
  EXPECT_NE(svg.find(">VAL@FAR=0.001: 0.500</text>"), std::string::npos);
  EXPECT_NE(svg.find("font-family=\"sans-serif\""), std::string::npos);
  // Two labelled series: a legend naming both.
  EXPECT_NE(svg.find(">a&amp;b</text>"), std::string::npos);
  EXPECT_NE(svg.find(">c</text>"), std::string::npos);

  const auto points = testing::polyline_points(svg, "loss: a&amp;b");
  ASSERT_EQ(points.size(), 4u);
  std::vector<double> px, py;
  for (const auto& p : points) {
    px.push_back(p.x);
    py.push_back(p.y);
  }
  expect_linear_map(a.x, px);
  expect_linear_map(a.y, py);
  EXPECT_GT(py.front(), 0);  // SVG's y grows downwards: the largest loss is highest
  EXPECT_LT(py.front(), py.back());

  // On the log axis, each decade is the same width.
  const auto roc = testing::polyline_points(svg, "ROC");
  ASSERT_EQ(roc.size(), 4u);
  EXPECT_NEAR(roc[1].x - roc[0].x, roc[2].x - roc[1].x, 0.02);
  EXPECT_NEAR(roc[3].x - roc[2].x, 2 * (roc[2].x - roc[1].x), 0.02);
}

TEST(SvgChart, FigureWithLabelsThatAreNotUtf8IsWellFormed) {
  Figure figure;
  figure.title = "Training: caf\xE9/run_log.jsonl";
  Panel panel;
  panel.title = "loss \xFF\xFE";
  panel.series = {series("loss: caf\xE9", "caf\xE9\x01", {0, 1}, {1, 2}),
                  series("loss: b", "b", {0, 1}, {2, 1})};
  figure.panels = {panel};
  const testing::TempFolder folder;
  testing::write_text(folder / "figure.svg", render_svg(figure));
  EXPECT_EQ(testing::xml_problems(folder / "figure.svg"), "");
}

std::string render_error(const Figure& figure) {
  try {
    render_svg(figure);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

// The polyline's points, each on the plot: inside the SVG and not NaN.
void expect_finite_points(const std::string& svg, const std::string& title) {
  const auto points = testing::polyline_points(svg, title);
  ASSERT_FALSE(points.empty()) << title;
  for (const auto& p : points) {
    EXPECT_TRUE(std::isfinite(p.x) && std::isfinite(p.y)) << title;
  }
  EXPECT_EQ(svg.find("nan"), std::string::npos);
}

TEST(SvgChart, FixedAxisEndsBeyondTheDataOrEqualGiveAnAxis) {
  Figure figure;
  Panel above;  // a fixed minimum above all the data
  above.title = "above";
  above.y.min = 5.0;
  above.series = {series("above", "", {0, 1, 2}, {1, 2, 3})};
  Panel below;  // a fixed maximum below all the data, on a log axis
  below.title = "below";
  below.y = {"", Scale::kLog, std::nullopt, 0.01};
  below.series = {series("below", "", {0, 1}, {1, 10})};
  Panel point;  // both ends one value
  point.title = "point";
  point.x.min = 3.0;
  point.x.max = 3.0;
  point.y.min = 0.5;
  point.y.max = 0.5;
  point.series = {series("point", "", {3, 3}, {0.5, 0.5})};
  figure.panels = {above, below, point};
  const std::string svg = render_svg(figure);
  expect_finite_points(svg, "above");
  expect_finite_points(svg, "below");
  expect_finite_points(svg, "point");
  // A fixed minimum stays the axis's end; one-value ranges are widened on both sides.
  EXPECT_NE(svg.find(">5.0</text>"), std::string::npos);
  EXPECT_EQ(svg.find(">4.8</text>"), std::string::npos);
  EXPECT_NE(svg.find(">0.005</text>"), std::string::npos);
  EXPECT_EQ(svg.find(">0.02</text>"), std::string::npos);
  EXPECT_NE(svg.find(">0.44</text>"), std::string::npos);
  EXPECT_NE(svg.find(">0.56</text>"), std::string::npos);
  const testing::TempFolder folder;
  testing::write_text(folder / "figure.svg", svg);
  EXPECT_EQ(testing::xml_problems(folder / "figure.svg"), "");
}

TEST(SvgChart, AnInvertedOrUnplottableFixedRangeIsAnErrorNamingThePanel) {
  Figure figure;
  Panel panel;
  panel.title = "accuracy";
  panel.y.min = 1.0;
  panel.y.max = 0.0;
  panel.series = {series("a", "", {0, 1}, {0.5, 0.75})};
  figure.panels = {panel};
  EXPECT_EQ(render_error(figure),
            "panel 'accuracy': its y axis is fixed to run from 1 to 0, a minimum above the "
            "maximum");
  figure.panels[0].y = {"", Scale::kLog, 0.0, 1.0};
  EXPECT_EQ(render_error(figure),
            "panel 'accuracy': its y axis is fixed to end at 0, which a log axis cannot show");
  figure.panels[0].y = {};
  figure.panels[0].x.max = std::numeric_limits<double>::infinity();
  EXPECT_EQ(render_error(figure), "panel 'accuracy': its x axis is fixed to end at inf");
}

}  // namespace
}  // namespace visage::eval
