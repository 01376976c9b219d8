// TensorBoard event files: the checksum of the record format and the framing of each record. That
// TensorBoard itself reads them is python/tests/test_tensorboard.py's job.
#include "solvers/event_file.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>

#include "tests/support/temp_folder.hpp"

namespace visage {
namespace {

std::span<const uint8_t> bytes_of(const std::string& text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

template <typename T>
T read_at(const std::string& bytes, size_t at) {
  T value;
  std::memcpy(&value, bytes.data() + at, sizeof(T));
  return value;
}

TEST(EventFile, Crc32cIsCastagnolis) {
  // The check value of CRC-32C (RFC 3720, appendix B.4: 32 bytes of zeros give 0x8A9136AA).
  EXPECT_EQ(crc32c(bytes_of("123456789")), 0xE3069283u);
  EXPECT_EQ(crc32c(bytes_of(std::string(32, '\0'))), 0x8A9136AAu);
}

TEST(EventFile, EveryRecordIsFramedAndChecksummed) {
  const testing::TempFolder dir;
  std::string path;
  {
    EventFile events(dir.path());
    path = events.path();
    EXPECT_NE(path.find("events.out.tfevents."), std::string::npos);
    ASSERT_TRUE(events.write_scalars(7, {{"train/loss", 0.25}, {"train/learning_rate", 0.01}}));
    ASSERT_TRUE(events.write_scalars(300000, {{"train/loss", 0.125}}));
  }
  std::ifstream in(path, std::ios::binary);
  const std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t at = 0;
  int records = 0;
  while (at < file.size()) {
    ASSERT_LE(at + 12, file.size());
    const auto length = read_at<uint64_t>(file, at);
    EXPECT_EQ(read_at<uint32_t>(file, at + 8), masked_crc32c(bytes_of(file.substr(at, 8))));
    ASSERT_LE(at + 12 + length + 4, file.size());
    const std::string event = file.substr(at + 12, length);
    EXPECT_EQ(read_at<uint32_t>(file, at + 12 + length), masked_crc32c(bytes_of(event)));
    if (records == 0) {
      EXPECT_NE(event.find("brain.Event:2"), std::string::npos);
    }
    if (records == 2) {
      // wall_time (field 1, fixed64) then step (field 2, varint 300000 = e0 a7 12).
      EXPECT_EQ(event.substr(9, 4), std::string("\x10\xe0\xa7\x12", 4));
      const float loss = 0.125f;
      EXPECT_NE(event.find(std::string(reinterpret_cast<const char*>(&loss), 4)),
                std::string::npos);
    }
    at += 12 + length + 4;
    ++records;
  }
  EXPECT_EQ(records, 3);
}

}  // namespace
}  // namespace visage
