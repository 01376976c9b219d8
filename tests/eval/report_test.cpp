#include "eval/report.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "eval/json_writer.hpp"

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

}  // namespace
}  // namespace visage::eval
