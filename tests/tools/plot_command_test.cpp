// `visage plot` on the log of a real `visage train` run, and its errors for logs it cannot use.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "eval/json_reader.hpp"
#include "tests/solvers/training_fixture.hpp"
#include "tests/support/run_visage.hpp"
#include "tests/support/svg_reading.hpp"
#include "tests/support/text_file.hpp"

namespace visage {
namespace {

namespace fs = std::filesystem;
using testing::read_text;
using testing::run_visage;

// The (iter, loss) of every train line, read with the same JSON parser the command uses.
std::vector<std::pair<double, double>> train_lines(const fs::path& log) {
  std::ifstream in(log);
  std::vector<std::pair<double, double>> lines;
  for (std::string line; std::getline(in, line);) {
    const eval::JsonValue value = eval::parse_json(line);
    if (value.find("type")->string != "train") continue;
    lines.emplace_back(value.find("iter")->number, value.find("loss")->number);
  }
  return lines;
}

class PlotCommand : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    folder_ = new testing::TempFolder();
    const auto problem = testing::make_problem(*folder_, "max_iter: 60\ndisplay: 5\n");
    const auto train = run_visage("train --device cpu --solver " + problem.solver);
    ASSERT_EQ(train.exit_code, 0) << train.output;
    log_ = *folder_ / "snap/tiny_log.jsonl";
  }
  static void TearDownTestSuite() {
    delete folder_;
    folder_ = nullptr;
  }

  static testing::TempFolder* folder_;
  static std::string log_;
};

testing::TempFolder* PlotCommand::folder_ = nullptr;
std::string PlotCommand::log_;

TEST_F(PlotCommand, DrawsEveryTrainLineOfARealLogWhereItsValuesSay) {
  const std::string out = *folder_ / "curves.svg";
  const auto plot = run_visage("plot " + log_ + " --smooth 3 --out " + out);
  ASSERT_EQ(plot.exit_code, 0) << plot.output;
  EXPECT_EQ(testing::xml_problems(out), "");
  const std::string svg = read_text(out);

  const auto lines = train_lines(log_);
  ASSERT_EQ(lines.size(), 12u);  // iterations 0, 5, ..., 55
  const auto points = testing::polyline_points(svg, "loss, raw: tiny_log.jsonl");
  ASSERT_EQ(points.size(), lines.size());
  // Pixels are a linear function of the values: check each point against the line through the
  // first and last.
  const auto& [iter0, loss0] = lines.front();
  const auto& [iter1, loss1] = lines.back();
  const double x_scale = (points.back().x - points.front().x) / (iter1 - iter0);
  const double y_scale = (points.back().y - points.front().y) / (loss1 - loss0);
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_NEAR(points[i].x, points.front().x + (lines[i].first - iter0) * x_scale, 0.011) << i;
    EXPECT_NEAR(points[i].y, points.front().y + (lines[i].second - loss0) * y_scale, 0.011) << i;
  }
  EXPECT_LT(y_scale, 0);  // a larger loss is drawn higher
  EXPECT_EQ(testing::polyline_points(svg, "loss, smoothed: tiny_log.jsonl").size(), lines.size());
  EXPECT_EQ(testing::polyline_points(svg, "learning rate: tiny_log.jsonl").size(), lines.size());
  EXPECT_NE(svg.find(">training loss (mean of 3 displays)</text>"), std::string::npos);
  EXPECT_NE(svg.find(">throughput</text>"), std::string::npos);
}

TEST_F(PlotCommand, ComparesRunsAndWritesPng) {
  fs::create_directories(folder_->path() / "again");
  const std::string second = *folder_ / "again/tiny_log.jsonl";
  fs::copy_file(log_, second, fs::copy_options::overwrite_existing);
  const std::string out = *folder_ / "two.png";
  const auto plot = run_visage("plot " + log_ + " " + second + " --columns 3 --out " + out);
  ASSERT_EQ(plot.exit_code, 0) << plot.output;
  const testing::PngSize png = testing::png_size(out);
  EXPECT_EQ(png.width, 3u * 480u);  // three panels side by side
  EXPECT_EQ(png.height, 36u + 300u);

  const std::string svg_out = *folder_ / "two.svg";
  ASSERT_EQ(run_visage("plot " + log_ + " " + second + " --out " + svg_out).exit_code, 0);
  const std::string svg = read_text(svg_out);
  // Same file names: the labels take the folder that tells them apart.
  EXPECT_NE(svg.find(">snap/tiny_log.jsonl</text>"), std::string::npos);
  EXPECT_NE(svg.find(">again/tiny_log.jsonl</text>"), std::string::npos);
}

// File names are bytes: one in Latin-1 is not UTF-8, and its label must not make the SVG
// ill-formed XML, which rsvg-convert would refuse.
TEST_F(PlotCommand, LabelsFromFileNamesThatAreNotUtf8StayWellFormed) {
  const std::string latin1 = *folder_ / "caf\xE9_log.jsonl";
  fs::copy_file(log_, latin1, fs::copy_options::overwrite_existing);
  const std::string svg_out = *folder_ / "latin1.svg";
  const auto svg = run_visage("plot " + log_ + " " + latin1 + " --out " + svg_out);
  ASSERT_EQ(svg.exit_code, 0) << svg.output;
  EXPECT_EQ(testing::xml_problems(svg_out), "");
  EXPECT_NE(read_text(svg_out).find(">caf\uFFFD_log.jsonl</text>"), std::string::npos);
  const std::string png_out = *folder_ / "latin1.png";
  const auto png = run_visage("plot " + latin1 + " --out " + png_out);
  ASSERT_EQ(png.exit_code, 0) << png.output;
  EXPECT_GT(testing::png_size(png_out).width, 0u);
}

TEST_F(PlotCommand, LogsItCannotUseAreErrorsThatSayWhy) {
  const std::string out = *folder_ / "bad.svg";
  const auto missing = run_visage("plot " + (*folder_ / "nope.jsonl") + " --out " + out);
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.output.find("nope.jsonl: cannot open the training log"), std::string::npos)
      << missing.output;

  const std::string malformed = *folder_ / "malformed.jsonl";
  testing::write_text(malformed,
                      "{\"type\":\"train\",\"iter\":0,\"loss\":1,\"lr\":0.1,\"images_per_s\":5,"
                      "\"outputs\":{}}\n{\"type\":\"train\",\"iter\":5,\"loss\":}\n");
  const auto bad_line = run_visage("plot " + malformed + " --out " + out);
  EXPECT_EQ(bad_line.exit_code, 1);
  EXPECT_NE(bad_line.output.find("malformed.jsonl:2: at character 33: expected a value"),
            std::string::npos)
      << bad_line.output;

  const std::string no_loss = *folder_ / "no_loss.jsonl";
  testing::write_text(no_loss, "{\"type\":\"train\",\"iter\":0}\n");
  const auto missing_field = run_visage("plot " + no_loss + " --out " + out);
  EXPECT_NE(missing_field.output.find("no_loss.jsonl:1: no \"loss\""), std::string::npos)
      << missing_field.output;

  const std::string events = *folder_ / "events.jsonl";
  testing::write_text(events, "{\"type\":\"snapshot\",\"iter\":0,\"file\":\"a.h5\"}\n");
  const auto no_train = run_visage("plot " + events + " --out " + out);
  EXPECT_NE(no_train.output.find("events.jsonl: no \"train\" lines"), std::string::npos)
      << no_train.output;
  EXPECT_FALSE(fs::exists(out));

  // PNG needs rsvg-convert: without it, the error says how to get it, before reading any log.
  const auto no_converter =
      testing::run_command("PATH=" + folder_->path().string() + " " + testing::visage_binary() +
                           " plot " + log_ + " --out " + (*folder_ / "c.png"));
  EXPECT_EQ(no_converter.exit_code, 1);
  EXPECT_NE(no_converter.output.find("apt-get install librsvg2-bin"), std::string::npos)
      << no_converter.output;
  EXPECT_FALSE(fs::exists(*folder_ / "c.png"));

  const auto help = run_visage("plot --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.output.find("usage: visage plot LOG.jsonl..."), std::string::npos) << help.output;
}

}  // namespace
}  // namespace visage
