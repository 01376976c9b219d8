// A small RAII layer over the HDF5 C API: files, groups, datasets of float / int64 / uint8 with
// their shapes, and string / integer attributes. HDF5's own error printing is switched off; every
// failure becomes a visage::Error naming the file, the object and HDF5's reason. Used by snapshots,
// the HDF5Data layer and, later, datasets and evaluation outputs.
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/shape.hpp"

namespace visage::hdf5 {

// Owns one HDF5 identifier and closes it with the matching H5?close function.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);

  Handle() = default;
  Handle(hid_t id, Closer closer) : id_(id), closer_(closer) {}
  ~Handle() { reset(); }
  Handle(Handle&& other) noexcept;
  Handle& operator=(Handle&& other) noexcept;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;

  hid_t id() const { return id_; }
  bool valid() const { return id_ >= 0; }
  // Closes now and returns HDF5's status (the destructor ignores it).
  herr_t release();

 private:
  void reset() { release(); }

  hid_t id_ = -1;
  Closer closer_ = nullptr;
};

// A group of a file (the root group for a File). Names may be paths relative to the group
// ("data/conv1/0"); missing intermediate groups are created by the writers.
class Group {
 public:
  Group(Group&&) = default;
  Group& operator=(Group&&) = default;

  const std::string& file_path() const { return file_path_; }
  const std::string& path() const { return path_; }
  // "file.h5:/group/name", for messages.
  std::string where(const std::string& name = {}) const;

  bool contains(const std::string& name) const;
  Group open_group(const std::string& name) const;
  // Opens the group, creating it (and its parents) when absent.
  Group require_group(const std::string& name);
  // Names of the direct children, in HDF5's (alphabetical) order.
  std::vector<std::string> children() const;

  // Datasets. Writers replace nothing: writing an existing name is an error.
  void write(const std::string& name, std::span<const float> values, const Shape& shape);
  void write(const std::string& name, std::span<const int64_t> values, const Shape& shape);
  void write(const std::string& name, std::span<const uint8_t> values, const Shape& shape);
  // Arbitrary bytes as a 1-D uint8 dataset.
  void write_bytes(const std::string& name, const std::string& bytes);
  // A 1-D dataset of variable-length UTF-8 strings (what h5py and pandas read as strings).
  void write_strings(const std::string& name, std::span<const std::string> values);

  // Whether `name` is a dataset (not a group), and whether it holds strings rather than numbers.
  bool is_dataset(const std::string& name) const;
  bool holds_strings(const std::string& name) const;

  Shape shape_of(const std::string& name) const;
  // Readers convert from whatever numeric type the file holds (Caffe files may hold doubles) and
  // return the dataset's shape through `shape` when given.
  std::vector<float> read_floats(const std::string& name, Shape* shape = nullptr) const;
  std::vector<int64_t> read_int64s(const std::string& name, Shape* shape = nullptr) const;
  std::vector<uint8_t> read_uint8s(const std::string& name, Shape* shape = nullptr) const;
  std::string read_bytes(const std::string& name) const;
  // A 1-D dataset of strings, variable-length or fixed-size (trailing NULs and padding dropped).
  std::vector<std::string> read_strings(const std::string& name) const;

  // Scalar attributes on this group.
  // Writes the attribute, replacing one of that name.
  void set_attribute(const std::string& name, const std::string& value);
  void set_attribute(const std::string& name, int64_t value);
  bool has_attribute(const std::string& name) const;
  std::string string_attribute(const std::string& name) const;
  int64_t int_attribute(const std::string& name) const;

 protected:
  Group(Handle handle, std::string file_path, std::string path);

  hid_t id() const { return handle_.id(); }
  void remove_attribute_if_present(const std::string& name, const std::string& at);

  Handle handle_;
  std::string file_path_;
  std::string path_;

 private:
  std::string child_path(const std::string& name) const;
  void write_raw(const std::string& name, hid_t mem_type, const void* values, int64_t count,
                 const Shape& shape);
  template <typename T>
  std::vector<T> read_raw(const std::string& name, hid_t mem_type, Shape* shape) const;
  // Fails unless the file stores enough bytes for what the dataspace `dims` claims.
  void check_claimed_size(hid_t dataset, hid_t type, const Shape& dims,
                          const std::string& at) const;
};

class File : public Group {
 public:
  enum class Mode { read, read_write };

  // Throws "<path>: no such file" / "<path>: not an HDF5 file" / HDF5's reason, and for a
  // sealed file (core/file_seal.hpp) whose contents no longer match their checksum.
  static File open(const std::string& path, Mode mode = Mode::read);
  // Creates (or truncates) the file, reserving `user_block` bytes at its start for the
  // application (kSealBytes for a file that will be sealed).
  static File create(const std::string& path, std::size_t user_block = 0);

  // Whether the file carried a valid checksum when opened (false for created files and files
  // written by older Visage or other programs).
  bool sealed() const { return sealed_; }

  // Flushes and closes, throwing when HDF5 cannot write everything out (a full disk, say). Groups
  // opened from this file must be destroyed first.
  void close();

 private:
  File(Handle handle, std::string path, bool sealed);

  bool sealed_ = false;
};

// Whether the file starts with the HDF5 signature (no exception for missing files: false).
bool is_hdf5_file(const std::string& path);

}  // namespace visage::hdf5
