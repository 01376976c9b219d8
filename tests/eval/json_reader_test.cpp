// The JSON reader refuses what is not JSON, numbers included (from_chars alone would read
// "-inf", "nan" and ".5"), and refuses deep nesting with an error instead of running out of stack.
#include "eval/json_reader.hpp"

#include <gtest/gtest.h>

#include <string>

#include "core/error.hpp"

namespace visage::eval {
namespace {

std::string parse_error(const std::string& text) {
  try {
    parse_json(text);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(JsonReader, ReadsJsonNumbers) {
  const JsonValue array = parse_json("[0, -0, 7, -12.5, 1e3, 2E-2, 0.5e+1, -0.0, 4.9e-324]");
  ASSERT_EQ(array.kind, JsonValue::Kind::kArray);
  std::vector<double> numbers;
  for (const JsonValue& v : array.array) {
    ASSERT_EQ(v.kind, JsonValue::Kind::kNumber);
    numbers.push_back(v.number);
  }
  EXPECT_EQ(numbers, (std::vector<double>{0, 0, 7, -12.5, 1000, 0.02, 5, 0, 4.9e-324}));
  EXPECT_EQ(parse_json("{\"a\":-3}").find("a")->number, -3);
}

TEST(JsonReader, RefusesWhatIsNotAJsonNumber) {
  for (const std::string text : {"-inf", "inf", "-nan", "nan", "NaN", "-.5", ".5", "+1", "-", "1.",
                                 "1.e3", "1e", "1e+", "01", "-01", "0x10", "1.5.2", "- 1"}) {
    const std::string error = parse_error("[" + text + "]");
    EXPECT_EQ(error.rfind("at character ", 0), 0u) << text << ": " << error;
  }
  EXPECT_EQ(parse_error("-.5"), "at character 2: expected a value");
  EXPECT_EQ(parse_error("1."), "at character 3: expected a digit after the decimal point");
  EXPECT_EQ(parse_error("1e+"), "at character 4: expected a digit in the exponent");
  EXPECT_EQ(parse_error("[1e400]"),
            "at character 2: the number 1e400 is out of the range of a double");
}

TEST(JsonReader, RefusesNestingDeeperThan64) {
  const auto nested = [](size_t depth) {
    return std::string(depth, '[') + "1" + std::string(depth, ']');
  };
  EXPECT_EQ(parse_json(nested(64)).kind, JsonValue::Kind::kArray);
  EXPECT_EQ(parse_error(nested(65)),
            "at character 65: arrays and objects nested more than 64 deep");
  EXPECT_EQ(parse_error("{\"a\":" + nested(64) + "}"),
            "at character 69: arrays and objects nested more than 64 deep");
  // Deep enough to overflow the stack if each level recursed.
  EXPECT_EQ(parse_error(std::string(1'000'000, '[')),
            "at character 65: arrays and objects nested more than 64 deep");
}

}  // namespace
}  // namespace visage::eval
