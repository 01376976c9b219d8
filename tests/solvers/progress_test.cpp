// The progress line and JSON log: named values of one top share a label on the line.
#include "solvers/progress.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "losses/triplet_mining.hpp"
#include "tests/support/temp_folder.hpp"

namespace visage {
namespace {

TEST(ProgressLog, NamedValuesOfOneTopShareALabelAndKeepTheirFullNamesInJson) {
  std::ostringstream screen;
  const testing::TempFolder folder;
  const std::string json_path = folder / "progress.jsonl";
  {
    ProgressLog log(&screen, json_path, false);
    TrainProgress p;
    p.iter = 40;
    p.max_iter = 100;
    p.loss = 0.125;
    p.lr = 0.01;
    p.outputs = {{"triplets.pairs", 192},
                 {"triplets.active", 61},
                 {"triplets.semi_hard", 0.3177083},
                 {"accuracy", 0.5}};
    log.train(p);
  }
  EXPECT_NE(screen.str().find("  triplets: pairs 192 active 61 semi_hard 0.3177  accuracy 0.5\n"),
            std::string::npos)
      << screen.str();
  std::ifstream json(json_path);
  std::string line;
  std::getline(json, line);
  EXPECT_NE(line.find("\"outputs\":{\"triplets.pairs\":192,\"triplets.active\":61,"
                      "\"triplets.semi_hard\":0.3177083,\"accuracy\":0.5}"),
            std::string::npos)
      << line;
}

TEST(ProgressLog, TripletStatisticsAreNamedInStatOrder) {
  const std::vector<std::string> names = triplet::stat_names();
  ASSERT_EQ(names.size(), static_cast<size_t>(triplet::kNumStats));
  EXPECT_EQ(names[triplet::kActive], "active");
  EXPECT_EQ(names[triplet::kMeanNegative], "d_an");
}

}  // namespace
}  // namespace visage
