#include "tests/support/temp_folder.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <cctype>
#include <system_error>

#include "core/error.hpp"

namespace visage::testing {

namespace {

// "Suite.Test" of the running test; parameterised names hold '/', which cannot go in a file name.
std::string running_test_label() {
  const auto* unit = ::testing::UnitTest::GetInstance();
  std::string label = "no_test";
  if (const auto* test = unit->current_test_info()) {
    label = concat(test->test_suite_name(), ".", test->name());
  } else if (const auto* suite = unit->current_test_suite()) {
    label = suite->name();
  }
  std::ranges::replace_if(
      label, [](char c) { return std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '.'; },
      '_');
  return label;
}

}  // namespace

TempFolder::TempFolder() {
  std::string pattern =
      (std::filesystem::temp_directory_path() / concat("visage_", running_test_label(), "_XXXXXX"))
          .string();
  VISAGE_CHECK(::mkdtemp(pattern.data()) != nullptr, "cannot create a temporary folder from ",
               pattern, ": ", std::error_code(errno, std::generic_category()).message());
  path_ = pattern;
}

TempFolder::~TempFolder() {
  std::error_code ignored;  // a destructor must not throw; a leftover folder harms nobody
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace visage::testing
