#include "solvers/event_file.hpp"

#include <unistd.h>

#include <array>
#include <bit>
#include <chrono>
#include <cstring>

#include "core/error.hpp"

namespace visage {
namespace {

// Protocol-buffer wire format, for the few fields written here.
enum WireType : uint8_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

void put_varint(std::string& out, uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

void put_key(std::string& out, uint32_t field, WireType type) {
  put_varint(out, field << 3 | type);
}

template <typename T>
void put_little_endian(std::string& out, T value) {
  static_assert(std::endian::native == std::endian::little, "event files are little-endian");
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));
  out.append(bytes, sizeof(T));
}

void put_bytes(std::string& out, uint32_t field, const std::string& bytes) {
  put_key(out, field, kLengthDelimited);
  put_varint(out, bytes.size());
  out += bytes;
}

// Event { double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5; }
// Summary { repeated Value value = 1; }  Value { string tag = 1; float simple_value = 2; }
std::string event_header(int64_t step) {
  const double wall_time =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  std::string event;
  put_key(event, 1, kFixed64);
  put_little_endian(event, wall_time);
  put_key(event, 2, kVarint);
  put_varint(event, static_cast<uint64_t>(step));
  return event;
}

std::string scalar_event(int64_t step, const TaggedScalars& values) {
  std::string summary;
  for (const auto& [tag, number] : values) {
    std::string value;
    put_bytes(value, 1, tag);
    put_key(value, 2, kFixed32);
    put_little_endian(value, static_cast<float>(number));
    put_bytes(summary, 1, value);
  }
  std::string event = event_header(step);
  put_bytes(event, 5, summary);
  return event;
}

constexpr std::array<uint32_t, 256> kCrc32cTable = [] {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t crc = i;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ ((crc & 1) != 0 ? 0x82f63b78u : 0u);
    table[i] = crc;
  }
  return table;
}();

std::span<const uint8_t> bytes_of(const std::string& text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

std::string host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

}  // namespace

uint32_t crc32c(std::span<const uint8_t> bytes) {
  uint32_t crc = 0xffffffffu;
  for (const uint8_t byte : bytes) crc = kCrc32cTable[(crc ^ byte) & 0xff] ^ (crc >> 8);
  return crc ^ 0xffffffffu;
}

uint32_t masked_crc32c(std::span<const uint8_t> bytes) {
  const uint32_t crc = crc32c(bytes);
  return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}

EventFile::EventFile(const std::filesystem::path& folder) {
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
  path_ =
      (folder / concat("events.out.tfevents.", seconds, ".", host_name(), ".", getpid(), ".visage"))
          .string();
  out_.open(path_, std::ios::binary | std::ios::trunc);
  VISAGE_CHECK(out_.good(), path_,
               ": cannot create the TensorBoard event file: ", std::strerror(errno));
  std::string version = event_header(0);
  put_bytes(version, 3, "brain.Event:2");
  VISAGE_CHECK(write_record(version), path_, ": cannot write: ", std::strerror(errno));
}

bool EventFile::write_scalars(int64_t step, const TaggedScalars& values) {
  return write_record(scalar_event(step, values));
}

bool EventFile::write_record(const std::string& event) {
  if (!out_.good()) return false;
  std::string length;
  put_little_endian(length, static_cast<uint64_t>(event.size()));
  std::string record = length;
  put_little_endian(record, masked_crc32c(bytes_of(length)));
  record += event;
  put_little_endian(record, masked_crc32c(bytes_of(event)));
  out_.write(record.data(), static_cast<std::streamsize>(record.size()));
  out_.flush();  // like the JSON log: a killed run keeps what it wrote
  return out_.good();
}

}  // namespace visage
