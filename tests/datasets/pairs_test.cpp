#include "datasets/pairs.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "core/error.hpp"
#include "tests/support/run_visage.hpp"

namespace visage::data {
namespace {

PairsProtocol parse(const std::string& text) {
  std::istringstream in(text);
  return parse_pairs(in, "pairs.txt");
}

std::string error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

// A View 2 file with `folds` folds of `per_side` matched + `per_side` mismatched pairs.
std::string synthetic_view2(int folds, int per_side) {
  std::ostringstream out;
  out << folds << "\t" << per_side << "\n";
  for (int f = 0; f < folds; ++f) {
    for (int i = 0; i < per_side; ++i) out << "Same_" << f << "_" << i << "\t1\t2\n";
    for (int i = 0; i < per_side; ++i) out << "A_" << f << "_" << i << "\t1\tB_" << i << "\t3\n";
  }
  return out.str();
}

TEST(EvalPairs, ImagePathIsZeroPaddedToFourDigits) {
  EXPECT_EQ(lfw_image_path("Abel_Pacheco", 4), "Abel_Pacheco/Abel_Pacheco_0004.jpg");
  EXPECT_EQ(lfw_image_path("George_W_Bush", 530), "George_W_Bush/George_W_Bush_0530.jpg");
}

TEST(EvalPairs, ParsesView2) {
  const PairsProtocol p = parse("2\t1\nAl\t1\t4\nBo\t2\tCy\t10\nDi\t3\t5\nEd\t1\tFo\t1\n");
  EXPECT_EQ(p.num_folds, 2);
  EXPECT_EQ(p.pairs_per_fold, 2);
  EXPECT_EQ(p.source, "pairs.txt");
  ASSERT_EQ(p.pairs.size(), 4u);
  EXPECT_EQ(p.pairs[0].first, "Al/Al_0001.jpg");
  EXPECT_EQ(p.pairs[0].second, "Al/Al_0004.jpg");
  EXPECT_TRUE(p.pairs[0].same);
  EXPECT_EQ(p.pairs[1].first, "Bo/Bo_0002.jpg");
  EXPECT_EQ(p.pairs[1].second, "Cy/Cy_0010.jpg");
  EXPECT_FALSE(p.pairs[1].same);
  EXPECT_EQ(p.pairs[1].fold, 0);
  EXPECT_EQ(p.pairs[2].fold, 1);
  EXPECT_TRUE(p.pairs[2].same);
  EXPECT_EQ(p.pairs[3].fold, 1);
  for (size_t i = 0; i < p.pairs.size(); ++i)
    EXPECT_EQ(p.pairs[i].line, static_cast<int>(i) + 2) << i;
}

TEST(EvalPairs, ParsesView1AsOneFold) {
  const PairsProtocol p = parse("2\nAl\t1\t2\nAl\t1\t3\nBo\t1\tCy\t1\nDi\t2\tEd\t3\n");
  EXPECT_EQ(p.num_folds, 1);
  EXPECT_EQ(p.pairs_per_fold, 4);
  ASSERT_EQ(p.pairs.size(), 4u);
  for (const ImagePair& pair : p.pairs) EXPECT_EQ(pair.fold, 0);
  EXPECT_TRUE(p.pairs[1].same);
  EXPECT_FALSE(p.pairs[2].same);
}

TEST(EvalPairs, ToleratesWindowsLineEndingsAndTrailingBlankLines) {
  const PairsProtocol p = parse("1\r\nAl\t1\t2\r\nBo\t1\tCy\t1\r\n\r\n\n");
  EXPECT_EQ(p.pairs.size(), 2u);
  EXPECT_EQ(p.pairs[0].second, "Al/Al_0002.jpg");
}

TEST(EvalPairs, PairIBelongsToFoldIOver600InView2) {
  const PairsProtocol p = parse(synthetic_view2(10, 300));
  ASSERT_EQ(p.pairs.size(), 6000u);
  for (size_t i = 0; i < p.pairs.size(); ++i) {
    ASSERT_EQ(p.pairs[i].fold, static_cast<int>(i / 600)) << "pair " << i;
    ASSERT_EQ(p.pairs[i].same, i % 600 < 300) << "pair " << i;
  }
}

TEST(EvalPairs, MalformedHeaderNamesLineOne) {
  EXPECT_EQ(error_of(""),
            "pairs.txt:1: empty pairs file; expected a header `count` (View 1) or "
            "`folds<TAB>count` (View 2)");
  EXPECT_NE(error_of("ten\t300\n").find("pairs.txt:1: expected a header"), std::string::npos);
  EXPECT_NE(error_of("10\t0\n").find("pairs.txt:1:"), std::string::npos);
  EXPECT_NE(error_of("1\t2\t3\n").find("pairs.txt:1:"), std::string::npos);
}

TEST(EvalPairs, MalformedMatchedPairNamesLineAndExpectation) {
  EXPECT_EQ(error_of("1\t2\nAl\t1\t2\nBo\t1\tx\n"),
            "pairs.txt:3: expected a matched pair `name<TAB>i<TAB>j` (fold 1 of 1, matched pair 2 "
            "of 2), got `Bo\t1\tx`");
  EXPECT_NE(error_of("1\nAl\t0\t2\nBo\t1\tCy\t1\n").find("pairs.txt:2: expected a matched pair"),
            std::string::npos);
}

TEST(EvalPairs, MismatchedLineWhereMatchedExpectedIsAnError) {
  EXPECT_NE(error_of("1\nBo\t1\tCy\t1\nAl\t1\t2\n").find("pairs.txt:2: expected a matched pair"),
            std::string::npos);
}

TEST(EvalPairs, MalformedMismatchedPairNamesLineAndExpectation) {
  EXPECT_EQ(error_of("1\nAl\t1\t2\nBo\t1\tCy\n"),
            "pairs.txt:3: expected a mismatched pair `name1<TAB>i<TAB>name2<TAB>j` (fold 1 of 1, "
            "mismatched pair 1 of 1), got `Bo\t1\tCy`");
}

TEST(EvalPairs, TruncatedFileSaysHowManyPairsWereExpected) {
  EXPECT_EQ(error_of("2\t1\nAl\t1\t2\nBo\t1\tCy\t1\nDi\t1\t2\n"),
            "pairs.txt:5: the file ends after 3 of 4 pairs; expected fold 2 of 2, mismatched pair "
            "1 of 1");
}

// Found by fuzz/pairs_fuzzer.cpp: the header's count was reserved before any pair was read, so a
// two-line file could make the reader allocate gigabytes (or overflow the count).
TEST(EvalPairs, HeaderPromisingManyPairsFailsAtTheFilesEnd) {
  EXPECT_EQ(error_of("111112\t5\nAl\t1\t2\n"),
            "pairs.txt:3: the file ends after 1 of 1111120 pairs; expected fold 1 of 111112, "
            "matched pair 2 of 5");
}

TEST(EvalPairs, HeaderPromisingMorePairsThanAnIntCountsIsAnError) {
  EXPECT_EQ(error_of("2\t1073741824\n"),
            "pairs.txt:1: the header `2\t1073741824` promises 4294967296 pairs, more than the "
            "2147483647 a pairs file can hold");
}

TEST(EvalPairs, ExtraLinesAfterTheLastFoldAreAnError) {
  EXPECT_EQ(error_of("1\nAl\t1\t2\nBo\t1\tCy\t1\n\nDi\t1\t2\n"),
            "pairs.txt:5: expected the end of the file after 2 pairs (1 fold(s) of 1 matched + 1 "
            "mismatched), got `Di\t1\t2`");
}

TEST(EvalPairs, MissingFileIsAnErrorNamingIt) {
  try {
    read_pairs_file("/nonexistent/pairs.txt");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/pairs.txt"), std::string::npos);
  }
}

TEST(EvalPairs, ImagesOfListsEachImageOnce) {
  const PairsProtocol p = parse("1\nAl\t1\t2\nAl\t1\tBo\t1\n");
  EXPECT_EQ(images_of(p),
            (std::vector<std::string>{"Al/Al_0001.jpg", "Al/Al_0002.jpg", "Bo/Bo_0001.jpg"}));
}

// ---- The real LFW protocol files
// -----------------------------------------------------------------

class EvalLfwProtocol : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = testing::lfw_root();
    if (!std::filesystem::exists(root_ / "protocol" / "pairs.txt")) {
      GTEST_SKIP() << "skipped: LFW not found at " << root_.string();
    }
  }

  void expect_images_exist(const PairsProtocol& protocol) {
    size_t missing = 0;
    for (const std::string& image : images_of(protocol)) {
      if (!std::filesystem::exists(root_ / "images" / image)) {
        if (++missing <= 5) ADD_FAILURE() << "missing image " << image;
      }
    }
    EXPECT_EQ(missing, 0u);
  }

  std::filesystem::path root_;
};

TEST_F(EvalLfwProtocol, View2Has6000PairsIn10FoldsOf300Plus300) {
  const PairsProtocol p = read_pairs_file(root_ / "protocol" / "pairs.txt");
  EXPECT_EQ(p.num_folds, 10);
  EXPECT_EQ(p.pairs_per_fold, 600);
  ASSERT_EQ(p.pairs.size(), 6000u);
  std::vector<int> same(10, 0);
  std::vector<int> different(10, 0);
  for (size_t i = 0; i < p.pairs.size(); ++i) {
    ASSERT_EQ(p.pairs[i].fold, static_cast<int>(i / 600));
    ++(p.pairs[i].same ? same : different)[p.pairs[i].fold];
  }
  for (int f = 0; f < 10; ++f) {
    EXPECT_EQ(same[f], 300) << "fold " << f + 1;
    EXPECT_EQ(different[f], 300) << "fold " << f + 1;
  }
  EXPECT_EQ(p.pairs[0].first, "Abel_Pacheco/Abel_Pacheco_0001.jpg");
  EXPECT_EQ(p.pairs[0].second, "Abel_Pacheco/Abel_Pacheco_0004.jpg");
  expect_images_exist(p);
}

TEST_F(EvalLfwProtocol, View2FoldsAreIdentityDisjoint) {
  const PairsProtocol p = read_pairs_file(root_ / "protocol" / "pairs.txt");
  std::map<std::string, int> fold_of_identity;
  for (const ImagePair& pair : p.pairs) {
    for (const std::string& image : {pair.first, pair.second}) {
      const std::string identity = image.substr(0, image.find('/'));
      const auto [it, inserted] = fold_of_identity.emplace(identity, pair.fold);
      ASSERT_EQ(it->second, pair.fold) << identity << " appears in two folds";
    }
  }
}

TEST_F(EvalLfwProtocol, View1Has2200TrainingAnd1000TestPairs) {
  const PairsProtocol train = read_pairs_file(root_ / "protocol" / "pairsDevTrain.txt");
  const PairsProtocol test = read_pairs_file(root_ / "protocol" / "pairsDevTest.txt");
  EXPECT_EQ(train.num_folds, 1);
  EXPECT_EQ(train.pairs.size(), 2200u);
  EXPECT_EQ(test.pairs.size(), 1000u);
  EXPECT_TRUE(train.pairs[1099].same);
  EXPECT_FALSE(train.pairs[1100].same);
  EXPECT_TRUE(test.pairs[499].same);
  EXPECT_FALSE(test.pairs[500].same);
  expect_images_exist(train);
  expect_images_exist(test);
}

}  // namespace
}  // namespace visage::data
