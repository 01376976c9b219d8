// Reading `visage train`'s JSON-lines log back: a resumed run's lines replace the first run's
// from the snapshot's iteration, null reads as NaN, and events are skipped.
#include "solvers/training_log.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "tests/support/temp_folder.hpp"
#include "tests/support/write_text.hpp"

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
  EXPECT_EQ(log.verification[0].val, (NamedValues{{"0.001", 0.25}}));
  ASSERT_EQ(log.test.size(), 1u);
  EXPECT_EQ(log.test[0].outputs, (NamedValues{{"accuracy", 0.5}}));
}

}  // namespace
}  // namespace visage
