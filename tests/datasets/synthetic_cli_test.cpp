// `visage synth`, run as a user would: through the built binary.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/run_visage.hpp"
#include "tests/support/temp_folder.hpp"

namespace {

using Result = visage::testing::CommandResult;
Result run(const std::string& args) { return visage::testing::run_visage(args); }

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> fields;
  std::istringstream in(line);
  std::string field;
  while (std::getline(in, field, '\t')) fields.push_back(field);
  return fields;
}

std::string image_path(const std::string& name, const std::string& number) {
  return name + "/" + name + "_" + std::string(4 - number.size(), '0') + number + ".png";
}

TEST(SynthCommand, WritesIdentityFoldersAndAParseablePairsFile) {
  const visage::testing::TempFolder folder;
  const auto root = folder.path() / "faces";
  const Result r =
      run("synth --identities 8 --per-identity 3 --size 24 --folds 2 --pairs 4 "
          "--first-identity 40 --out " +
          root.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("8/8 identities"), std::string::npos) << r.output;

  int folders = 0;
  for (const auto& entry : std::filesystem::directory_iterator(root)) {
    if (!entry.is_directory()) continue;
    ++folders;
    const std::string name = entry.path().filename().string();
    for (const char* n : {"1", "2", "3"}) {
      const auto file = root / image_path(name, n);
      ASSERT_TRUE(std::filesystem::exists(file)) << file;
      std::ifstream png(file, std::ios::binary);
      std::string magic(8, '\0');
      png.read(magic.data(), 8);
      EXPECT_EQ(magic, "\x89PNG\r\n\x1a\n") << file;
    }
    EXPECT_FALSE(std::filesystem::exists(root / image_path(name, "4")));
  }
  EXPECT_EQ(folders, 8);
  EXPECT_TRUE(std::filesystem::is_directory(root / "synthetic_000040"));
  EXPECT_TRUE(std::filesystem::is_directory(root / "synthetic_000047"));

  std::ifstream pairs(root / "pairs.txt");
  std::string line;
  ASSERT_TRUE(std::getline(pairs, line));
  EXPECT_EQ(line, "2\t4");
  int matched = 0, mismatched = 0;
  while (std::getline(pairs, line)) {
    const auto f = split_tabs(line);
    ASSERT_TRUE(f.size() == 3 || f.size() == 4) << line;
    const bool same = f.size() == 3;
    (same ? matched : mismatched)++;
    EXPECT_TRUE(std::filesystem::exists(root / image_path(f[0], f[1]))) << line;
    EXPECT_TRUE(std::filesystem::exists(root / image_path(same ? f[0] : f[2], f.back()))) << line;
  }
  EXPECT_EQ(matched, 8);
  EXPECT_EQ(mismatched, 8);
}

TEST(SynthCommand, HelpAndMistakes) {
  const Result help = run("synth --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.output.find("usage: visage synth"), std::string::npos) << help.output;
  EXPECT_NE(help.output.find("--per-identity"), std::string::npos) << help.output;

  const visage::testing::TempFolder folder;
  const std::string never = folder / "never";
  const Result missing = run("synth --identities 3 --out " + never);
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.output.find("--per-identity"), std::string::npos) << missing.output;

  const Result too_few = run("synth --identities 5 --per-identity 2 --out " + never);
  EXPECT_EQ(too_few.exit_code, 1);
  EXPECT_NE(too_few.output.find("at least 20 identities"), std::string::npos) << too_few.output;
  EXPECT_FALSE(std::filesystem::exists(never));
}

TEST(SynthCommand, WritesAContactSheet) {
  const visage::testing::TempFolder folder;
  const std::string sheet = folder / "sheet.png";
  const Result r = run("synth --identities 2 --per-identity 3 --size 16 --sheet " + sheet);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(std::filesystem::exists(sheet));
}

}  // namespace
