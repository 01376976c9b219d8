// Reading `visage train`'s JSON-lines log back: a resumed run's lines replace the first run's
// from the snapshot's iteration, null reads as NaN, events are skipped, and a bad line is an
// error naming file:line.
#include "solvers/training_log.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "core/error.hpp"
#include "tests/support/temp_folder.hpp"
#include "tests/support/text_file.hpp"

namespace visage {
namespace {

std::string train_line(int iter, const std::string& loss) {
  return "{\"type\":\"train\",\"iter\":" + std::to_string(iter) + ",\"loss\":" + loss +
         ",\"lr\":0.1,\"images_per_s\":50,\"outputs\":{\"triplets.active\":" +
         std::to_string(iter) + "}}\n";
}

TEST(TrainingLog, AResumedRunReplacesTheLinesAfterItsSnapshot) {
  const testing::TempFolder folder;
  const std::string path = folder / "run_log.jsonl";
  testing::write_text(
      path, train_line(0, "2") + train_line(10, "1.5") +
                "{\"type\":\"verification\",\"iter\":10,\"name\":\"v\",\"accuracy\":0.75,"
                "\"auc\":0.8,\"val\":{\"0.001\":0.25}}\n" +
                train_line(20, "1.25") +
                "{\"type\":\"verification\",\"iter\":20,\"name\":\"v\",\"accuracy\":0.75,"
                "\"auc\":0.8,\"val\":{\"0.001\":0.25}}\n" +
                "{\"type\":\"snapshot\",\"iter\":20,\"file\":\"a.h5\"}\n" +
                // resumed from the snapshot of iteration 10
                train_line(10, "1.5") + train_line(20, "null") +
                "{\"type\":\"test\",\"iter\":20,\"net\":0,\"outputs\":{\"accuracy\":0.5}}\n");
  const TrainingLog log = read_training_log(path);
  ASSERT_EQ(log.train.size(), 3u);
  EXPECT_EQ(log.train[1].iter, 10);
  EXPECT_EQ(log.train[2].iter, 20);
  EXPECT_TRUE(std::isnan(log.train[2].loss));
  EXPECT_EQ(log.train[2].outputs, (NamedValues{{"triplets.active", 20}}));
  ASSERT_EQ(log.verification.size(), 1u);  // iteration 20's was the first run's
  EXPECT_EQ(log.verification[0].iter, 10);
  EXPECT_EQ(log.verification[0].val, (std::vector<ValAtRequestedFar>{{0.001, 0.25}}));
  ASSERT_EQ(log.test.size(), 1u);
  EXPECT_EQ(log.test[0].outputs, (NamedValues{{"accuracy", 0.5}}));
}

std::string test_line(int iter, int net, const std::string& accuracy) {
  return "{\"type\":\"test\",\"iter\":" + std::to_string(iter) + ",\"net\":" + std::to_string(net) +
         ",\"outputs\":{\"accuracy\":" + accuracy + "}}\n";
}

std::string verification_line(int iter, const std::string& name, const std::string& accuracy,
                              const std::string& far = "0.001") {
  return "{\"type\":\"verification\",\"iter\":" + std::to_string(iter) + ",\"name\":\"" + name +
         "\",\"accuracy\":" + accuracy + ",\"auc\":0.8,\"val\":{\"" + far +
         "\":0.25,\"1e-2\":0.5}}\n";
}

// A run that stopped at a snapshot's iteration and resumed there logs that iteration's test and
// verification lines again: one point per (iteration, net) and (iteration, set), the resumed
// run's, and the other keys of that iteration stay.
TEST(TrainingLog, AResumedRunReplacesTestAndVerificationRecordsOfItsFirstIteration) {
  const testing::TempFolder folder;
  const std::string path = folder / "run_log.jsonl";
  testing::write_text(path, train_line(10, "2") + train_line(20, "1.5") + test_line(20, 0, "0.5") +
                                test_line(20, 1, "0.25") + verification_line(20, "a", "0.5") +
                                verification_line(20, "b", "0.75") +
                                // resumed from the snapshot of iteration 20
                                train_line(20, "1.5") + test_line(20, 0, "0.625") +
                                verification_line(20, "a", "0.875") + train_line(30, "1"));
  const TrainingLog log = read_training_log(path);
  ASSERT_EQ(log.train.size(), 3u);
  ASSERT_EQ(log.test.size(), 2u);
  EXPECT_EQ(log.test[0].net, 1);
  EXPECT_EQ(log.test[0].outputs, (NamedValues{{"accuracy", 0.25}}));
  EXPECT_EQ(log.test[1].net, 0);
  EXPECT_EQ(log.test[1].outputs, (NamedValues{{"accuracy", 0.625}}));
  ASSERT_EQ(log.verification.size(), 2u);
  EXPECT_EQ(log.verification[0].name, "b");
  EXPECT_EQ(log.verification[0].accuracy, 0.75);
  EXPECT_EQ(log.verification[1].name, "a");
  EXPECT_EQ(log.verification[1].accuracy, 0.875);
  EXPECT_EQ(log.verification[1].val, (std::vector<ValAtRequestedFar>{{0.001, 0.25}, {0.01, 0.5}}));
}

std::string read_error(const std::string& path) {
  try {
    read_training_log(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(TrainingLog, ANetThatIsNotAnIndexIsAnErrorAtItsLine) {
  const testing::TempFolder folder;
  const std::string path = folder / "run_log.jsonl";
  testing::write_text(path, train_line(0, "2") + test_line(0, 0, "0.5") +
                                "{\"type\":\"test\",\"iter\":0,\"net\":null,\"outputs\":{}}\n");
  EXPECT_NE(read_error(path).find(path + ":3: \"net\" nan is not a test net's index"),
            std::string::npos)
      << read_error(path);
}

// The plot names VAL by its FAR as a number: a key that is not one is an error at its line.
TEST(TrainingLog, AValKeyThatIsNotAFalseAcceptRateIsAnErrorAtItsLine) {
  const testing::TempFolder folder;
  const std::string path = folder / "run_log.jsonl";
  for (const std::string far : {"abc", "0.001x", "inf", "nan", "0", "2", ""}) {
    testing::write_text(path, train_line(0, "2") + verification_line(0, "v", "0.5", far));
    const std::string error = read_error(path);
    EXPECT_NE(error.find(path + ":2: \"val\" key \"" + far + "\" is not a false accept rate"),
              std::string::npos)
        << far << ": " << error;
  }
}

}  // namespace
}  // namespace visage
