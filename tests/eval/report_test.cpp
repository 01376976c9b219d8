#include "eval/report.hpp"

#include <gtest/gtest.h>
#include <png.h>

#include <cstring>
#include <filesystem>

#include "core/error.hpp"
#include "eval/json_writer.hpp"
#include "eval/roc_plot.hpp"
#include "tests/support/temp_folder.hpp"

namespace visage::eval {
namespace {

// Two folds whose thresholds are known by hand (see EvalVerification.FoldThresholdsComeFrom...).
VerificationResult two_fold_result() {
  const std::vector<ScoredPair> pairs = {{0.1, true, 0},  {0.2, true, 0}, {0.8, false, 0},
                                         {0.9, false, 0}, {0.3, true, 1}, {0.5, true, 1},
                                         {0.4, false, 1}, {0.6, false, 1}};
  VerificationOptions options;
  options.target_fars = {1e-3, 0.5};
  VerificationResult result = evaluate_verification(pairs, 2, options);
  result.pairs_source = "data/pairs.txt";
  return result;
}

struct DecodedPng {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> rgb;
  Rgb at(int x, int y) const {
    const size_t i = (static_cast<size_t>(y) * width + x) * 3;
    return {rgb[i], rgb[i + 1], rgb[i + 2]};
  }
};

DecodedPng read_png(const std::filesystem::path& path) {
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&image, path.c_str())) {
    ADD_FAILURE() << "libpng cannot read " << path << ": " << image.message;
    return {};
  }
  image.format = PNG_FORMAT_RGB;
  DecodedPng decoded{static_cast<int>(image.width), static_cast<int>(image.height), {}};
  decoded.rgb.resize(PNG_IMAGE_SIZE(image));
  if (!png_image_finish_read(&image, nullptr, decoded.rgb.data(), 0, nullptr)) {
    ADD_FAILURE() << "libpng cannot decode " << path << ": " << image.message;
  }
  png_image_free(&image);
  return decoded;
}

TEST(EvalJsonWriter, NestsEscapesAndWritesNullForNonFinite) {
  JsonWriter json;
  json.begin_object();
  json.key("name").value("a \"b\"\n\\");
  json.key("n").value(3);
  json.key("x").value(0.1);
  json.key("bad").value(std::numeric_limits<double>::infinity());
  json.key("list").begin_array().value(true).null().end_array();
  json.key("empty").begin_object().end_object();
  json.end_object();
  EXPECT_EQ(json.str(),
            "{\n  \"name\": \"a \\\"b\\\"\\n\\\\\",\n  \"n\": 3,\n  \"x\": 0.1,\n  \"bad\": null,\n"
            "  \"list\": [\n    true,\n    null\n  ],\n  \"empty\": {}\n}\n");
}

TEST(EvalJsonWriter, MisuseIsAnError) {
  JsonWriter missing_key;
  missing_key.begin_object();
  EXPECT_THROW(missing_key.value(1), Error);
  JsonWriter unclosed;
  unclosed.begin_array();
  EXPECT_THROW(unclosed.str(), Error);
  EXPECT_THROW(unclosed.end_object(), Error);
}

TEST(EvalReport, SummaryShowsMeanStandardErrorAndTheFoldTable) {
  const std::string summary = verification_summary(two_fold_result());
  EXPECT_NE(summary.find("Verification: data/pairs.txt, 8 pairs (4 matched, 4 mismatched), "
                         "distance squared_l2"),
            std::string::npos)
      << summary;
  EXPECT_NE(summary.find("Accuracy: 0.8750 +/- 0.1250 (standard error over 2 folds; sample std "
                         "0.1768)"),
            std::string::npos)
      << summary;
  EXPECT_NE(summary.find("AUC: "), std::string::npos);
  EXPECT_NE(summary.find("EER: "), std::string::npos);
  EXPECT_NE(summary.find("VAL@FAR=0.001: "), std::string::npos);
  EXPECT_NE(summary.find("UNRESOLVED"), std::string::npos);  // 4 mismatched pairs: FAR >= 0.25
  EXPECT_NE(summary.find("VAL@FAR=0.5: "), std::string::npos);
  EXPECT_NE(summary.find("   1      4          0.35     0.7500    1.0000\n"), std::string::npos)
      << summary;
  EXPECT_NE(summary.find("   2      4           0.5     1.0000    0.7500\n"), std::string::npos)
      << summary;
}

TEST(EvalReport, CsvHasOneLinePerRocPoint) {
  Roc roc;
  roc.points = {{-0.5, 0, 0}, {0.25, 0, 0.5}, {2, 1, 1}};
  EXPECT_EQ(roc_csv(roc), "threshold,far,tar\n-0.5,0,0\n0.25,0,0.5\n2,1,1\n");
}

TEST(EvalReport, JsonCarriesTheNumbersAndTheRoc) {
  const VerificationResult result = two_fold_result();
  const std::string json = verification_json(result);
  EXPECT_NE(json.find("\"pairs\": \"data/pairs.txt\""), std::string::npos);
  EXPECT_NE(json.find("\"accuracy\": 0.875"), std::string::npos);
  EXPECT_NE(json.find("\"accuracy_standard_error\": 0.125"), std::string::npos) << json;
  EXPECT_NE(json.find("\"resolved\": false"), std::string::npos);
  EXPECT_NE(json.find("\"roc\": {"), std::string::npos);
  EXPECT_EQ(json.back(), '\n');
}

TEST(EvalReport, SingleFoldJsonHasNullStandardError) {
  const std::vector<ScoredPair> pairs = {{0.1, true}, {0.9, false}};
  const std::string json = verification_json(evaluate_verification(pairs, 1, {}));
  EXPECT_NE(json.find("\"accuracy_standard_error\": null"), std::string::npos) << json;
}

TEST(EvalRocPlot, PngDecodesToTheRequestedSizeWithTheCurveDrawn) {
  Roc roc;
  roc.points = {{0, 0, 0}, {1, 0.001, 0.3}, {2, 0.01, 0.3}, {3, 0.01, 0.9}, {4, 1, 1}};
  roc.same_pairs = 10;
  roc.different_pairs = 1000;
  const RocPlotGeometry geometry = roc_plot_geometry(640, 480);
  const visage::testing::TempFolder folder;
  const std::string path = folder / "roc.png";
  write_roc_png(roc, "ROC: test, AUC 0.9", path, geometry);
  const DecodedPng png = read_png(path);
  ASSERT_EQ(png.width, 640);
  ASSERT_EQ(png.height, 480);

  const Rgb white{255, 255, 255};
  const Rgb curve{31, 119, 180};
  // Along the horizontal run at TAR 0.3 between FAR 1e-3 and 1e-2, and the vertical one at 1e-2.
  for (const double far : {0.002, 0.003, 0.005, 0.008}) {
    EXPECT_EQ(png.at(geometry.x_of_far(far), geometry.y_of_tar(0.3)), curve) << "FAR " << far;
  }
  for (const double tar : {0.4, 0.5, 0.6, 0.8}) {
    EXPECT_EQ(png.at(geometry.x_of_far(0.01), geometry.y_of_tar(tar)), curve) << "TAR " << tar;
  }
  // Points at FAR = 0 sit on the left edge (FAR clamped to 1e-4).
  EXPECT_EQ(png.at(geometry.x_of_far(1e-4) + 1, geometry.y_of_tar(0.0) - 1), curve);
  // Away from the curve, inside the plot area and off the grid: background.
  EXPECT_EQ(png.at(geometry.x_of_far(0.15), geometry.y_of_tar(0.55)), white);
  // Axes, tick labels and title put ink outside the plot area.
  size_t ink_outside = 0;
  for (int y = 0; y < png.height; ++y) {
    for (int x = 0; x < png.width; ++x) {
      const bool inside =
          x > geometry.left && x < geometry.right && y > geometry.top && y < geometry.bottom;
      if (!inside && png.at(x, y) == Rgb{0, 0, 0}) ++ink_outside;
    }
  }
  EXPECT_GT(ink_outside, 1000u);
}

TEST(EvalRocPlot, UnwritablePathIsAnErrorNamingIt) {
  Roc roc;
  roc.points = {{0, 0, 0}, {1, 1, 1}};
  EXPECT_THROW(write_roc_png(roc, "t", "/nonexistent/dir/roc.png"), Error);
}

}  // namespace
}  // namespace visage::eval
