// TensorBoard's event files, so that `tensorboard --logdir` shows a run's scalars. A file is a
// sequence of TFRecords (length, masked CRC-32C of the length, the bytes, their masked CRC-32C),
// each an `Event` protocol buffer: the first says the file version, the others carry a step, a
// wall time and a `Summary` of tagged scalar values. Only those fields are written, encoded here
// directly (no TensorFlow protos needed); field numbers are TensorFlow's event.proto and
// summary.proto.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace visage {

using TaggedScalars = std::vector<std::pair<std::string, double>>;

class EventFile {
 public:
  // Creates `<folder>/events.out.tfevents.<unix seconds>.<host>.<pid>.visage` (TensorBoard reads
  // every file of a folder whose name contains "tfevents"; a resumed run starts a new one).
  // Throws when the file cannot be created.
  explicit EventFile(const std::filesystem::path& folder);

  // One event at `step` holding every value (as float32, TensorBoard's scalar type). False when
  // the write failed (errno says why); later calls then write nothing.
  bool write_scalars(int64_t step, const TaggedScalars& values);

  const std::string& path() const { return path_; }

 private:
  bool write_record(const std::string& event);

  std::string path_;
  std::ofstream out_;
};

// CRC-32C (Castagnoli), the checksum of TFRecords, and its masked form that the records store.
uint32_t crc32c(std::span<const uint8_t> bytes);
uint32_t masked_crc32c(std::span<const uint8_t> bytes);

}  // namespace visage
