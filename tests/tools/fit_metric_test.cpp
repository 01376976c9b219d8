// `visage fit-metric` and `visage verify --metric / --fold-metric` end to end on toy embeddings
// (tests/support/toy_embeddings.hpp) written as `visage embed` writes them.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>

#include "eval/embeddings_file.hpp"
#include "eval/learned_metric_file.hpp"
#include "tests/support/run_visage.hpp"
#include "tests/support/temp_folder.hpp"
#include "tests/support/toy_embeddings.hpp"

namespace visage {
namespace {

using testing::run_visage;
using testing::toy_image_path;

// Persons 0-39, 8 images each; a View 2 pairs file of 2 folds: fold 1 names persons 0-19, fold 2
// persons 20-39, each fold 20 matched and 20 mismatched pairs.
class FitMetricCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    const testing::ToyEmbeddings toy = testing::toy_embeddings(0, 40, 8);
    eval::EmbeddingTable table(testing::ToyEmbeddings::kDim);
    for (size_t row = 0; row < toy.labels.size(); ++row) {
      const size_t dim = testing::ToyEmbeddings::kDim;
      table.add(toy_image_path(toy.labels[row], static_cast<int>(row % 8) + 1),
                std::span(toy.values).subspan(row * dim, dim));
    }
    eval::write_embeddings(table, {"toy", "toy", "toy", false}, dir_ / "all.h5");
    std::ofstream pairs(dir_ / "pairs.txt");
    pairs << "2\t20\n";
    for (int fold = 0; fold < 2; ++fold) {
      for (int i = 0; i < 20; ++i) pairs << "person" << 20 * fold + i << "\t1\t2\n";
      for (int i = 0; i < 20; ++i) {
        pairs << "person" << 20 * fold + i << "\t3\tperson" << 20 * fold + (i + 1) % 20 << "\t4\n";
      }
    }
  }

  std::string path(const std::string& name) const { return dir_ / name; }

  // The mean accuracy `visage verify` prints.
  static double accuracy(const std::string& output) {
    std::smatch match;
    EXPECT_TRUE(std::regex_search(output, match, std::regex("Accuracy: ([0-9.]+)"))) << output;
    return match.empty() ? 0.0 : std::stod(match[1]);
  }

  const testing::TempFolder dir_;
};

TEST_F(FitMetricCommand, FoldMetricsFittedWithoutTheirFoldBeatRawCosine) {
  for (int fold = 1; fold <= 2; ++fold) {
    const auto fit = run_visage("fit-metric --embeddings " + path("all.h5") + " --pairs " +
                                path("pairs.txt") + " --held-out-fold " + std::to_string(fold) +
                                " --lda 4 --out " + path("fold" + std::to_string(fold) + ".h5"));
    ASSERT_EQ(fit.exit_code, 0) << fit.output;
    // The other fold's 20 people, 8 images each, out of 320 embeddings.
    EXPECT_NE(fit.output.find("fitted on 160 of 320 embeddings (20 identities): dimension 16 -> "
                              "PCA 16 (whitened) -> LDA 4"),
              std::string::npos)
        << fit.output;
  }
  const eval::LearnedMetric first = eval::read_learned_metric(path("fold1.h5"));
  EXPECT_EQ(first.identities, 20u);
  EXPECT_EQ(first.output_dim, 4u);

  const auto raw = run_visage("verify --pairs " + path("pairs.txt") + " --embeddings " +
                              path("all.h5") + " --distance cosine");
  ASSERT_EQ(raw.exit_code, 0) << raw.output;
  const auto learned =
      run_visage("verify --pairs " + path("pairs.txt") + " --embeddings " + path("all.h5") +
                 " --fold-metric '" + path("fold{fold}.h5") + "'");
  ASSERT_EQ(learned.exit_code, 0) << learned.output;
  EXPECT_NE(learned.output.find("distance cosine"), std::string::npos) << learned.output;
  EXPECT_NE(learned.output.find("learned metric " + path("fold2.h5") +
                                ": 16 -> 4 dimensions, fitted on 160 images of 20 identities"),
            std::string::npos)
      << learned.output;
  std::printf("toy verify accuracy: raw cosine %.4f, per-fold learned metric %.4f\n",
              accuracy(raw.output), accuracy(learned.output));
  EXPECT_LT(accuracy(raw.output), 0.75);
  EXPECT_GT(accuracy(learned.output), 0.95);
}

TEST_F(FitMetricCommand, OneMetricForAllFolds) {
  ASSERT_EQ(
      run_visage("fit-metric --embeddings " + path("all.h5") + " --out " + path("m.h5")).exit_code,
      0);
  const auto learned = run_visage("verify --pairs " + path("pairs.txt") + " --embeddings " +
                                  path("all.h5") + " --metric " + path("m.h5"));
  ASSERT_EQ(learned.exit_code, 0) << learned.output;
  EXPECT_NE(learned.output.find("16 -> 16 dimensions, fitted on 320 images of 40 identities"),
            std::string::npos)
      << learned.output;
}

TEST_F(FitMetricCommand, ClearErrors) {
  const auto bad_fold = run_visage("fit-metric --embeddings " + path("all.h5") + " --pairs " +
                                   path("pairs.txt") + " --held-out-fold 3 --out " + path("m.h5"));
  EXPECT_NE(bad_fold.exit_code, 0);
  EXPECT_NE(bad_fold.output.find("--held-out-fold 3: " + path("pairs.txt") + " has folds 1..2"),
            std::string::npos)
      << bad_fold.output;
  const auto alone = run_visage("fit-metric --embeddings " + path("all.h5") +
                                " --held-out-fold 1 --out " + path("m.h5"));
  EXPECT_NE(alone.output.find("--pairs and --held-out-fold go together"), std::string::npos)
      << alone.output;
  const auto too_many =
      run_visage("fit-metric --embeddings " + path("all.h5") + " --lda 40 --out " + path("m.h5"));
  EXPECT_NE(too_many.exit_code, 0);
  EXPECT_NE(too_many.output.find(path("all.h5") + ": learned metric: 40 LDA dimensions asked for"),
            std::string::npos)
      << too_many.output;

  ASSERT_EQ(
      run_visage("fit-metric --embeddings " + path("all.h5") + " --out " + path("m.h5")).exit_code,
      0);
  const std::string verify =
      "verify --pairs " + path("pairs.txt") + " --embeddings " + path("all.h5");
  const auto l2 = run_visage(verify + " --metric " + path("m.h5") + " --distance l2");
  EXPECT_NE(l2.output.find("compared by cosine distance; drop --distance l2"), std::string::npos)
      << l2.output;
  const auto missing = run_visage(verify + " --fold-metric '" + path("f{fold}.h5") + "'");
  EXPECT_NE(
      missing.output.find("--fold-metric: fold 1's metric " + path("f1.h5") + " does not exist"),
      std::string::npos)
      << missing.output;
  const auto not_metric = run_visage(verify + " --metric " + path("all.h5"));
  EXPECT_NE(not_metric.output.find("not a learned metric"), std::string::npos) << not_metric.output;
  const auto help = run_visage("fit-metric --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.output.find("--held-out-fold K"), std::string::npos);
}

}  // namespace
}  // namespace visage
