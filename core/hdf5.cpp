#include "core/hdf5.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <utility>

#include "core/error.hpp"
#include "core/file_seal.hpp"

namespace visage::hdf5 {
namespace {

// HDF5 prints its error stack to stderr by default; we report errors ourselves. The setting is
// per thread in thread-safe builds, so it is applied on every entry point that opens a file.
void silence_hdf5() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

herr_t keep_innermost(unsigned, const H5E_error2_t* error, void* out) {
  if (error->desc != nullptr && error->desc[0] != '\0') {
    *static_cast<std::string*>(out) = error->desc;
  }
  return 0;
}

// The most specific message on HDF5's error stack ("truncated file: eof = ...").
std::string hdf5_reason() {
  std::string reason;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, keep_innermost, &reason);
  H5Eclear2(H5E_DEFAULT);
  return reason.empty() ? std::string("unknown HDF5 error") : reason;
}

template <typename... Parts>
hid_t checked(hid_t id, Parts&&... what) {
  if (id < 0) fail(std::forward<Parts>(what)..., ": ", hdf5_reason());
  return id;
}

template <typename... Parts>
void checked_status(herr_t status, Parts&&... what) {
  if (status < 0) fail(std::forward<Parts>(what)..., ": ", hdf5_reason());
}

std::vector<hsize_t> to_dims(const Shape& shape) { return {shape.begin(), shape.end()}; }

Handle make_space(const Shape& shape, const std::string& where) {
  if (shape.empty())
    return {checked(H5Screate(H5S_SCALAR), where, ": cannot create dataspace"), H5Sclose};
  const auto dims = to_dims(shape);
  return {checked(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), where,
                  ": cannot create dataspace of shape ", to_string(shape)),
          H5Sclose};
}

Shape space_shape(hid_t space, const std::string& where) {
  const int rank = H5Sget_simple_extent_ndims(space);
  VISAGE_CHECK(rank >= 0, where, ": cannot read the dataset's shape: ", hdf5_reason());
  std::vector<hsize_t> dims(static_cast<size_t>(rank));
  checked_status(H5Sget_simple_extent_dims(space, dims.data(), nullptr), where,
                 ": cannot read the dataset's shape");
  return {dims.begin(), dims.end()};
}

// A link-creation property list that creates missing parent groups ("data/conv1/0").
Handle intermediate_groups() {
  Handle lcpl(checked(H5Pcreate(H5P_LINK_CREATE), "HDF5 property list"), H5Pclose);
  checked_status(H5Pset_create_intermediate_group(lcpl.id(), 1), "HDF5 property list");
  return lcpl;
}

// Creation properties for groups and datasets that store no modification times, so that the same
// contents give the same bytes (and the same checksum) whenever they are written.
Handle untimed(hid_t kind) {
  Handle properties(checked(H5Pcreate(kind), "HDF5 property list"), H5Pclose);
  checked_status(H5Pset_obj_track_times(properties.id(), 0), "HDF5 property list");
  return properties;
}

herr_t collect_name(hid_t, const char* name, const H5L_info_t*, void* out) {
  static_cast<std::vector<std::string>*>(out)->emplace_back(name);
  return 0;
}

}  // namespace

Handle::Handle(Handle&& other) noexcept
    : id_(std::exchange(other.id_, -1)), closer_(other.closer_) {}

Handle& Handle::operator=(Handle&& other) noexcept {
  if (this != &other) {
    reset();
    id_ = std::exchange(other.id_, -1);
    closer_ = other.closer_;
  }
  return *this;
}

herr_t Handle::release() {
  herr_t status = 0;
  if (id_ >= 0 && closer_ != nullptr) status = closer_(id_);
  id_ = -1;
  return status;
}

Group::Group(Handle handle, std::string file_path, std::string path)
    : handle_(std::move(handle)), file_path_(std::move(file_path)), path_(std::move(path)) {}

std::string Group::child_path(const std::string& name) const {
  if (name.empty()) return path_;
  return path_ == "/" ? concat("/", name) : concat(path_, "/", name);
}

std::string Group::where(const std::string& name) const {
  return file_path_ + ":" + child_path(name);
}

bool Group::contains(const std::string& name) const {
  // H5Lexists fails (rather than answering false) when an intermediate group is missing, so the
  // path is checked one component at a time.
  std::string prefix;
  size_t begin = 0;
  while (begin <= name.size()) {
    const size_t end = std::min(name.find('/', begin), name.size());
    if (!prefix.empty()) prefix += '/';
    prefix.append(name, begin, end - begin);
    if (H5Lexists(id(), prefix.c_str(), H5P_DEFAULT) <= 0) return false;
    begin = end + 1;
  }
  return true;
}

Group Group::open_group(const std::string& name) const {
  VISAGE_CHECK(contains(name), where(name), ": no such group");
  return Group(
      Handle(checked(H5Gopen2(id(), name.c_str(), H5P_DEFAULT), where(name), ": cannot open group"),
             H5Gclose),
      file_path_, child_path(name));
}

Group Group::require_group(const std::string& name) {
  if (contains(name)) return open_group(name);
  const Handle lcpl = intermediate_groups();
  const Handle gcpl = untimed(H5P_GROUP_CREATE);
  return Group(Handle(checked(H5Gcreate2(id(), name.c_str(), lcpl.id(), gcpl.id(), H5P_DEFAULT),
                              where(name), ": cannot create group"),
                      H5Gclose),
               file_path_, child_path(name));
}

std::vector<std::string> Group::children() const {
  std::vector<std::string> names;
  checked_status(H5Literate(id(), H5_INDEX_NAME, H5_ITER_INC, nullptr, collect_name, &names),
                 where(), ": cannot list the group");
  return names;
}

void Group::write_raw(const std::string& name, hid_t mem_type, const void* values, int64_t count,
                      const Shape& shape) {
  const std::string at = where(name);
  VISAGE_CHECK(count == shape_count(shape), at, ": ", count, " values for shape ",
               to_string(shape));
  VISAGE_CHECK(!contains(name), at, ": already exists");
  const Handle space = make_space(shape, at);
  const Handle lcpl = intermediate_groups();
  const Handle dcpl = untimed(H5P_DATASET_CREATE);
  const Handle dataset(checked(H5Dcreate2(id(), name.c_str(), mem_type, space.id(), lcpl.id(),
                                          dcpl.id(), H5P_DEFAULT),
                               at, ": cannot create dataset"),
                       H5Dclose);
  // An empty buffer has nothing to write, and HDF5 rejects a null buffer.
  if (count == 0) return;
  checked_status(H5Dwrite(dataset.id(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values), at,
                 ": cannot write dataset");
}

void Group::write(const std::string& name, std::span<const float> values, const Shape& shape) {
  write_raw(name, H5T_NATIVE_FLOAT, values.data(), static_cast<int64_t>(values.size()), shape);
}

void Group::write(const std::string& name, std::span<const int64_t> values, const Shape& shape) {
  write_raw(name, H5T_NATIVE_INT64, values.data(), static_cast<int64_t>(values.size()), shape);
}

void Group::write(const std::string& name, std::span<const uint8_t> values, const Shape& shape) {
  write_raw(name, H5T_NATIVE_UINT8, values.data(), static_cast<int64_t>(values.size()), shape);
}

void Group::write_bytes(const std::string& name, const std::string& bytes) {
  const auto* begin = reinterpret_cast<const uint8_t*>(bytes.data());
  write(name, std::span<const uint8_t>(begin, bytes.size()), {static_cast<int64_t>(bytes.size())});
}

void Group::write_strings(const std::string& name, std::span<const std::string> values) {
  const std::string at = where(name);
  VISAGE_CHECK(!contains(name), at, ": already exists");
  const Handle type(checked(H5Tcopy(H5T_C_S1), at, ": string type"), H5Tclose);
  checked_status(H5Tset_size(type.id(), H5T_VARIABLE), at, ": string type");
  checked_status(H5Tset_cset(type.id(), H5T_CSET_UTF8), at, ": string type");
  const Handle space = make_space({static_cast<int64_t>(values.size())}, at);
  const Handle lcpl = intermediate_groups();
  const Handle dcpl = untimed(H5P_DATASET_CREATE);
  const Handle dataset(checked(H5Dcreate2(id(), name.c_str(), type.id(), space.id(), lcpl.id(),
                                          dcpl.id(), H5P_DEFAULT),
                               at, ": cannot create dataset"),
                       H5Dclose);
  if (values.empty()) return;
  std::vector<const char*> pointers;
  pointers.reserve(values.size());
  for (const std::string& value : values) {
    VISAGE_CHECK(value.find('\0') == std::string::npos, at, ": a string with a NUL byte");
    pointers.push_back(value.c_str());
  }
  checked_status(H5Dwrite(dataset.id(), type.id(), H5S_ALL, H5S_ALL, H5P_DEFAULT, pointers.data()),
                 at, ": cannot write dataset");
}

bool Group::is_dataset(const std::string& name) const {
  if (!contains(name)) return false;
  const Handle object(H5Oopen(id(), name.c_str(), H5P_DEFAULT), H5Oclose);
  return object.id() >= 0 && H5Iget_type(object.id()) == H5I_DATASET;
}

bool Group::holds_strings(const std::string& name) const {
  const std::string at = where(name);
  VISAGE_CHECK(is_dataset(name), at, ": no such dataset");
  const Handle dataset(
      checked(H5Dopen2(id(), name.c_str(), H5P_DEFAULT), at, ": cannot open dataset"), H5Dclose);
  const Handle type(checked(H5Dget_type(dataset.id()), at, ": cannot read the type"), H5Tclose);
  return H5Tget_class(type.id()) == H5T_STRING;
}

Shape Group::shape_of(const std::string& name) const {
  const std::string at = where(name);
  VISAGE_CHECK(contains(name), at, ": no such dataset");
  const Handle dataset(
      checked(H5Dopen2(id(), name.c_str(), H5P_DEFAULT), at, ": cannot open dataset"), H5Dclose);
  const Handle space(checked(H5Dget_space(dataset.id()), at, ": cannot read dataspace"), H5Sclose);
  return space_shape(space.id(), at);
}

// The dataspace is only the file's claim: before allocating, check it against the bytes the file
// stores for the dataset (itself a claim of the file, so at most the file's size), allowing for
// compression (deflate stays under 1032:1).
void Group::check_claimed_size(hid_t dataset, hid_t type, const Shape& dims,
                               const std::string& at) const {
  constexpr double kMaxCompressionRatio = 1032;
  // (In doubles: a hostile shape's product overflows int64_t. A damaged type may say 0 bytes.)
  double claimed = std::max(static_cast<double>(H5Tget_size(type)), 1.0);
  for (const int64_t d : dims) claimed *= static_cast<double>(d);
  std::error_code ec;
  const auto stored = std::min(static_cast<double>(H5Dget_storage_size(dataset)),
                               static_cast<double>(std::filesystem::file_size(file_path_, ec)));
  VISAGE_CHECK(claimed <= stored * kMaxCompressionRatio, at, ": its shape ", to_string(dims),
               " claims ", claimed, " bytes, but the file stores ", stored,
               " (damaged or truncated?)");
}

template <typename T>
std::vector<T> Group::read_raw(const std::string& name, hid_t mem_type, Shape* shape) const {
  const std::string at = where(name);
  VISAGE_CHECK(contains(name), at, ": no such dataset");
  const Handle dataset(
      checked(H5Dopen2(id(), name.c_str(), H5P_DEFAULT), at, ": cannot open dataset"), H5Dclose);
  const Handle type(checked(H5Dget_type(dataset.id()), at, ": cannot read the type"), H5Tclose);
  const H5T_class_t type_class = H5Tget_class(type.id());
  VISAGE_CHECK(type_class == H5T_INTEGER || type_class == H5T_FLOAT, at,
               ": holds non-numeric values");
  const Handle space(checked(H5Dget_space(dataset.id()), at, ": cannot read dataspace"), H5Sclose);
  const Shape dims = space_shape(space.id(), at);
  check_claimed_size(dataset.id(), type.id(), dims, at);
  std::vector<T> values(static_cast<size_t>(shape_count(dims)));
  if (!values.empty()) {
    checked_status(H5Dread(dataset.id(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
                   at, ": cannot read dataset");
  }
  if (shape != nullptr) *shape = dims;
  return values;
}

std::vector<float> Group::read_floats(const std::string& name, Shape* shape) const {
  return read_raw<float>(name, H5T_NATIVE_FLOAT, shape);
}

std::vector<int64_t> Group::read_int64s(const std::string& name, Shape* shape) const {
  return read_raw<int64_t>(name, H5T_NATIVE_INT64, shape);
}

std::vector<uint8_t> Group::read_uint8s(const std::string& name, Shape* shape) const {
  return read_raw<uint8_t>(name, H5T_NATIVE_UINT8, shape);
}

std::string Group::read_bytes(const std::string& name) const {
  const auto values = read_uint8s(name);
  return {values.begin(), values.end()};
}

std::vector<std::string> Group::read_strings(const std::string& name) const {
  const std::string at = where(name);
  VISAGE_CHECK(holds_strings(name), at, ": holds no strings");
  const Handle dataset(
      checked(H5Dopen2(id(), name.c_str(), H5P_DEFAULT), at, ": cannot open dataset"), H5Dclose);
  const Handle type(checked(H5Dget_type(dataset.id()), at, ": cannot read the type"), H5Tclose);
  const Handle space(checked(H5Dget_space(dataset.id()), at, ": cannot read dataspace"), H5Sclose);
  const Shape dims = space_shape(space.id(), at);
  VISAGE_CHECK(dims.size() == 1, at, ": strings of shape ", to_string(dims), ", expected 1-D");
  check_claimed_size(dataset.id(), type.id(), dims, at);
  const auto count = static_cast<size_t>(dims[0]);
  std::vector<std::string> values;
  values.reserve(count);
  if (count == 0) return values;
  if (H5Tis_variable_str(type.id()) > 0) {
    const Handle mem(checked(H5Tcopy(H5T_C_S1), at, ": string type"), H5Tclose);
    checked_status(H5Tset_size(mem.id(), H5T_VARIABLE), at, ": string type");
    // HDF5 converts no character sets: the memory type says the file's (ASCII or UTF-8).
    checked_status(H5Tset_cset(mem.id(), H5Tget_cset(type.id())), at, ": string type");
    std::vector<char*> pointers(count, nullptr);
    // HDF5 allocates the strings it reads; they are freed with the memory type that described
    // them, whatever happens after the read.
    struct Reclaim {
      hid_t mem, space;
      std::vector<char*>& pointers;
      ~Reclaim() { H5Dvlen_reclaim(mem, space, H5P_DEFAULT, pointers.data()); }
    } reclaim{mem.id(), space.id(), pointers};
    checked_status(H5Dread(dataset.id(), mem.id(), H5S_ALL, H5S_ALL, H5P_DEFAULT, pointers.data()),
                   at, ": cannot read dataset");
    for (char* text : pointers) values.emplace_back(text != nullptr ? text : "");
    return values;
  }
  const size_t width = H5Tget_size(type.id());
  VISAGE_CHECK(width > 0, at, ": strings of 0 bytes");
  std::string buffer(width * count, '\0');
  checked_status(H5Dread(dataset.id(), type.id(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data()), at,
                 ": cannot read dataset");
  const bool space_padded = H5Tget_strpad(type.id()) == H5T_STR_SPACEPAD;
  for (size_t i = 0; i < count; ++i) {
    std::string value = buffer.substr(i * width, width);
    value.erase(value.find_last_not_of(space_padded ? ' ' : '\0') + 1);
    values.push_back(value.substr(0, value.find('\0')));
  }
  return values;
}

void Group::remove_attribute_if_present(const std::string& name, const std::string& at) {
  if (H5Aexists(id(), name.c_str()) > 0) {
    checked_status(H5Adelete(id(), name.c_str()), at, ": cannot replace attribute");
  }
}

void Group::set_attribute(const std::string& name, const std::string& value) {
  const std::string at = concat(where(), "@", name);
  remove_attribute_if_present(name, at);
  const Handle type(checked(H5Tcopy(H5T_C_S1), at, ": string type"), H5Tclose);
  checked_status(H5Tset_size(type.id(), value.size() + 1), at, ": string type");
  checked_status(H5Tset_strpad(type.id(), H5T_STR_NULLTERM), at, ": string type");
  const Handle space = make_space({}, at);
  const Handle attr(
      checked(H5Acreate2(id(), name.c_str(), type.id(), space.id(), H5P_DEFAULT, H5P_DEFAULT), at,
              ": cannot create attribute"),
      H5Aclose);
  checked_status(H5Awrite(attr.id(), type.id(), value.c_str()), at, ": cannot write attribute");
}

void Group::set_attribute(const std::string& name, int64_t value) {
  const std::string at = concat(where(), "@", name);
  remove_attribute_if_present(name, at);
  const Handle space = make_space({}, at);
  const Handle attr(
      checked(H5Acreate2(id(), name.c_str(), H5T_STD_I64LE, space.id(), H5P_DEFAULT, H5P_DEFAULT),
              at, ": cannot create attribute"),
      H5Aclose);
  checked_status(H5Awrite(attr.id(), H5T_NATIVE_INT64, &value), at, ": cannot write attribute");
}

bool Group::has_attribute(const std::string& name) const {
  return H5Aexists(id(), name.c_str()) > 0;
}

std::string Group::string_attribute(const std::string& name) const {
  const std::string at = concat(where(), "@", name);
  VISAGE_CHECK(has_attribute(name), at, ": no such attribute");
  const Handle attr(
      checked(H5Aopen(id(), name.c_str(), H5P_DEFAULT), at, ": cannot open attribute"), H5Aclose);
  const Handle type(checked(H5Aget_type(attr.id()), at, ": cannot read the type"), H5Tclose);
  VISAGE_CHECK(H5Tget_class(type.id()) == H5T_STRING, at, ": is not a string");
  if (H5Tis_variable_str(type.id()) > 0) {
    // Written by h5py and others: a pointer to a string HDF5 allocates for us.
    const Handle mem(checked(H5Tcopy(H5T_C_S1), at, ": string type"), H5Tclose);
    checked_status(H5Tset_size(mem.id(), H5T_VARIABLE), at, ": string type");
    checked_status(H5Tset_cset(mem.id(), H5Tget_cset(type.id())), at, ": string type");
    char* text = nullptr;
    checked_status(H5Aread(attr.id(), mem.id(), &text), at, ": cannot read attribute");
    std::string value = text != nullptr ? text : "";
    H5free_memory(text);
    return value;
  }
  std::string buffer(H5Tget_size(type.id()), '\0');
  checked_status(H5Aread(attr.id(), type.id(), buffer.data()), at, ": cannot read attribute");
  return buffer.substr(0, buffer.find('\0'));
}

int64_t Group::int_attribute(const std::string& name) const {
  const std::string at = concat(where(), "@", name);
  VISAGE_CHECK(has_attribute(name), at, ": no such attribute");
  const Handle attr(
      checked(H5Aopen(id(), name.c_str(), H5P_DEFAULT), at, ": cannot open attribute"), H5Aclose);
  const Handle type(checked(H5Aget_type(attr.id()), at, ": cannot read the type"), H5Tclose);
  VISAGE_CHECK(H5Tget_class(type.id()) == H5T_INTEGER, at, ": is not an integer");
  int64_t value = 0;
  checked_status(H5Aread(attr.id(), H5T_NATIVE_INT64, &value), at, ": cannot read attribute");
  return value;
}

File File::open(const std::string& path, Mode mode) {
  silence_hdf5();
  std::error_code ec;
  VISAGE_CHECK(std::filesystem::exists(path, ec), path, ": no such file");
  // The checksum first: HDF5 never parses a damaged file.
  const bool sealed = check_seal(path) == Seal::valid;
  VISAGE_CHECK(is_hdf5_file(path), path, ": not an HDF5 file");
  const unsigned flags = mode == Mode::read ? H5F_ACC_RDONLY : H5F_ACC_RDWR;
  Handle file(checked(H5Fopen(path.c_str(), flags, H5P_DEFAULT), path,
                      ": cannot open as HDF5 (damaged or truncated?)"),
              H5Fclose);
  return File(std::move(file), path, sealed);
}

File::File(Handle handle, std::string path, bool sealed)
    : Group(std::move(handle), std::move(path), "/"), sealed_(sealed) {}

File File::create(const std::string& path, std::size_t user_block) {
  silence_hdf5();
  Handle creation(checked(H5Pcreate(H5P_FILE_CREATE), path, ": HDF5 property list"), H5Pclose);
  checked_status(H5Pset_userblock(creation.id(), user_block), path, ": HDF5 user block");
  Handle file(checked(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, creation.id(), H5P_DEFAULT), path,
                      ": cannot create HDF5 file"),
              H5Fclose);
  return File(std::move(file), path, false);
}

void File::close() {
  if (!handle_.valid()) return;
  // H5Fclose defers the real close while other objects are open; the flush makes write errors
  // (a full disk) surface here.
  const herr_t flushed = H5Fflush(id(), H5F_SCOPE_GLOBAL);
  const std::string reason = flushed < 0 ? hdf5_reason() : std::string();
  const herr_t closed = handle_.release();
  VISAGE_CHECK(flushed >= 0, file_path_, ": cannot write the file out: ", reason);
  VISAGE_CHECK(closed >= 0, file_path_, ": cannot close the file: ", hdf5_reason());
}

bool is_hdf5_file(const std::string& path) {
  silence_hdf5();
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  return H5Fis_hdf5(path.c_str()) > 0;
}

}  // namespace visage::hdf5
