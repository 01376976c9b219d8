// The ROC figure of `visage verify --out`: TAR over a log FAR axis, VAL@FAR marked, the title.
#include "eval/roc_plot.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "core/error.hpp"
#include "eval/number_format.hpp"
#include "eval/report.hpp"
#include "eval/svg_chart.hpp"
#include "tests/support/svg_reading.hpp"
#include "tests/support/temp_folder.hpp"
#include "tests/support/text_file.hpp"

namespace visage::eval {
namespace {

TEST(RocSvg, CurveOperatingPointsAndTitle) {
  // 1000 different pairs: FAR steps of 1e-3.
  std::vector<ScoredPair> pairs;
  for (int i = 0; i < 1000; ++i) pairs.push_back({1.0 + i, false});
  for (int i = 0; i < 100; ++i) pairs.push_back({0.02 * i, true});
  VerificationOptions options;
  options.target_fars = {1e-3, 1e-2};
  VerificationResult result = evaluate_verification(pairs, 1, options);
  result.pairs_source = "data/pairs & more.txt";

  const std::string svg = roc_svg(result);
  const testing::TempFolder folder;
  testing::write_text(folder / "roc.svg", svg);
  EXPECT_EQ(testing::xml_problems(folder / "roc.svg"), "");
  EXPECT_NE(svg.find(">" + xml_escape(roc_plot_title(result)) + "</text>"), std::string::npos);
  EXPECT_NE(svg.find(">VAL@FAR=0.001: "), std::string::npos);
  EXPECT_NE(svg.find(">VAL@FAR=0.01: "), std::string::npos);
  EXPECT_NE(svg.find(">10⁻⁴</text>"), std::string::npos);  // the axis starts at 1e-4

  // One point per ROC point; those at FAR 0 sit on the left edge, where FAR 1e-4 is.
  const auto points = testing::polyline_points(svg, "ROC");
  ASSERT_EQ(points.size(), result.roc.points.size());
  const double left = points.front().x;
  for (size_t i = 0; i < points.size(); ++i) {
    if (result.roc.points[i].far == 0) {
      EXPECT_DOUBLE_EQ(points[i].x, left) << i;
    }
  }
  // FAR 1e-3 to 1e-2 and 1e-2 to 1e-1 are one decade each: the same width.
  auto x_at = [&](double far) {
    for (size_t i = 0; i < points.size(); ++i) {
      if (std::abs(result.roc.points[i].far - far) < 1e-12) return points[i].x;
    }
    ADD_FAILURE() << "no ROC point at FAR " << far;
    return 0.0;
  };
  EXPECT_NEAR(x_at(1e-2) - x_at(1e-3), x_at(1e-1) - x_at(1e-2), 0.02);
}

TEST(RocSvg, ReferencesAreIsoAccuracyLinesInTheLegend) {
  // 1000 mismatched and 500 matched pairs: a reference of accuracy a is the line
  // TAR = (1500 a - 1000 (1 - FAR)) / 500.
  std::vector<ScoredPair> pairs;
  for (int i = 0; i < 1000; ++i) pairs.push_back({1.0 + i, false});
  for (int i = 0; i < 500; ++i) pairs.push_back({0.02 * i + 500.0 * (i % 3 == 0), true});
  const VerificationResult result = evaluate_verification(pairs, 1, {});
  const std::vector<AccuracyReference> references = {{"Fisher Vector Faces", 0.9303},
                                                     {"LDML & MkNN", 0.875}};
  const std::string svg = roc_svg(result, references);
  const testing::TempFolder folder;
  testing::write_text(folder / "roc.svg", svg);
  EXPECT_EQ(testing::xml_problems(folder / "roc.svg"), "");
  EXPECT_NE(svg.find(">Fisher Vector Faces (0.9303)</text>"), std::string::npos);
  EXPECT_NE(svg.find(">LDML &amp; MkNN (0.8750)</text>"), std::string::npos);
  EXPECT_NE(svg.find(">this ROC (accuracy " + fixed(result.accuracy, 4) + ")</text>"),
            std::string::npos);

  // The pixel mapping, from two ROC points: x linear in log10(FAR), y linear in TAR.
  const auto roc = testing::polyline_points(svg, "ROC");
  ASSERT_EQ(roc.size(), result.roc.points.size());
  size_t a = 0, b = 0;
  for (size_t i = 0; i < roc.size(); ++i) {
    const RocPoint& p = result.roc.points[i];
    if (p.far > 0 && (a == 0 || p.far < result.roc.points[a].far)) a = i;
    if (p.far > 0 && p.tar < 1 && p.far > result.roc.points[b].far) b = i;
  }
  const RocPoint pa = result.roc.points[a], pb = result.roc.points[b];
  ASSERT_NE(pa.far, pb.far);
  ASSERT_NE(pa.tar, pb.tar);
  const auto far_at = [&](double x) {
    return std::pow(10.0, std::log10(pa.far) + (x - roc[a].x) / (roc[b].x - roc[a].x) *
                                                   (std::log10(pb.far) - std::log10(pa.far)));
  };
  const auto tar_at = [&](double y) {
    return pa.tar + (y - roc[a].y) / (roc[b].y - roc[a].y) * (pb.tar - pa.tar);
  };
  for (const AccuracyReference& reference : references) {
    const auto line = testing::polyline_points(svg, xml_escape("reference " + reference.name));
    ASSERT_GT(line.size(), 20u) << reference.name;
    for (const auto& point : line) {
      const double far = far_at(point.x);
      const double expected = (reference.accuracy * 1500 - 1000 * (1 - far)) / 500;
      EXPECT_NEAR(tar_at(point.y), expected, 0.01) << reference.name << " at FAR " << far;
    }
  }
  const std::vector<AccuracyReference> impossible = {{"more than perfect", 1.5}};
  EXPECT_THROW(roc_svg(result, impossible), Error);
}

TEST(RocSvg, SmallestFarBelowOneInTenThousandWidensTheAxis) {
  std::vector<ScoredPair> pairs;
  for (int i = 0; i < 100000; ++i) pairs.push_back({1.0 + i * 1e-5, false});
  pairs.push_back({0.5, true});
  const std::string svg = roc_svg(evaluate_verification(pairs, 1, {}));
  EXPECT_NE(svg.find(">10⁻⁵</text>"), std::string::npos);
}

}  // namespace
}  // namespace visage::eval
