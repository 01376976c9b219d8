#include "core/hdf5.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.hpp"
#include "tests/solvers/training_fixture.hpp"
#include "tests/support/error_of.hpp"

namespace visage {
namespace {

using testing::error_of;

using testing::TempFolder;
using testing::write_text;

TEST(Hdf5, RoundTripsDatasetsAttributesAndNestedGroups) {
  TempFolder folder;
  const std::string path = folder / "a.h5";
  {
    hdf5::File file = hdf5::File::create(path);
    const std::vector<float> f{1.5f, -2.0f, 3.25f, 4.0f, 5.0f, 6.0f};
    const std::vector<int64_t> i{1, -(int64_t{1} << 40), 3};
    file.write("data/conv1/0", std::span<const float>(f), {2, 3});
    file.write("ints", std::span<const int64_t>(i), {3});
    file.write_bytes("blob", std::string("a\0b", 3));
    file.write("empty", std::span<const float>(), {0, 5});
    file.set_attribute("name", std::string("tiny net"));
    file.set_attribute("version", int64_t{42});
    file.close();
  }
  const hdf5::File file = hdf5::File::open(path);
  Shape shape;
  EXPECT_EQ(file.read_floats("data/conv1/0", &shape),
            (std::vector<float>{1.5f, -2.0f, 3.25f, 4.0f, 5.0f, 6.0f}));
  EXPECT_EQ(shape, (Shape{2, 3}));
  EXPECT_EQ(file.read_int64s("ints"), (std::vector<int64_t>{1, -(int64_t{1} << 40), 3}));
  EXPECT_EQ(file.read_bytes("blob"), std::string("a\0b", 3));
  EXPECT_EQ(file.shape_of("empty"), (Shape{0, 5}));
  EXPECT_TRUE(file.read_floats("empty").empty());
  EXPECT_EQ(file.string_attribute("name"), "tiny net");
  EXPECT_EQ(file.int_attribute("version"), 42);
  EXPECT_TRUE(file.contains("data/conv1"));
  EXPECT_FALSE(file.contains("data/conv2/0"));
  EXPECT_EQ(file.open_group("data").children(), (std::vector<std::string>{"conv1"}));
  // Integer data reads as floats through HDF5's conversion (Caffe files may hold other types).
  EXPECT_EQ(file.read_floats("ints")[0], 1.0f);
}

TEST(Hdf5, ErrorsNameTheFileAndTheObject) {
  TempFolder folder;
  const std::string path = folder / "b.h5";
  hdf5::File file = hdf5::File::create(path);
  file.write("x", std::span<const float>(std::vector<float>{1.0f}), {1});
  EXPECT_NE(
      error_of([&] { file.read_floats("missing"); }).find(path + ":/missing: no such dataset"),
      std::string::npos);
  EXPECT_NE(
      error_of([&] { file.write("x", std::span<const float>(), {0}); }).find("already exists"),
      std::string::npos);
  EXPECT_NE(error_of([&] { file.int_attribute("nope"); }).find("@nope: no such attribute"),
            std::string::npos);
  file.close();

  EXPECT_EQ(error_of([&] { hdf5::File::open(folder / "none.h5"); }),
            folder / "none.h5" + ": no such file");
  write_text(folder / "text.h5", "not hdf5 at all");
  EXPECT_EQ(error_of([&] { hdf5::File::open(folder / "text.h5"); }),
            folder / "text.h5" + ": not an HDF5 file");
  EXPECT_NE(error_of([&] {
              hdf5::File::create(folder / "no/such/dir/c.h5");
            }).find("cannot create HDF5 file"),
            std::string::npos);
}

TEST(Hdf5, TruncatedFileIsRejectedClearly) {
  TempFolder folder;
  const std::string path = folder / "full.h5";
  {
    hdf5::File file = hdf5::File::create(path);
    const std::vector<float> big(50000, 1.0f);
    file.write("big", std::span<const float>(big), {50000});
    file.close();
  }
  const std::string truncated = folder / "truncated.h5";
  std::filesystem::copy_file(path, truncated);
  std::filesystem::resize_file(truncated, std::filesystem::file_size(path) / 2);
  const std::string message = error_of([&] { hdf5::File::open(truncated).read_floats("big"); });
  EXPECT_EQ(message.rfind(truncated + ": ", 0), 0u) << message;
  EXPECT_NE(message.find("truncated"), std::string::npos) << message;
}

// Found by fuzz/embeddings_fuzzer.cpp (fuzz/regressions/embeddings/): a 2 KB file whose
// dataspace claims 3 x 2.7e14 floats made read_floats allocate them before reading.
TEST(Hdf5, DataspaceLargerThanTheStoredDataIsRefusedBeforeAllocating) {
  TempFolder folder;
  const std::string path = folder / "claims.h5";
  {
    // A dataset that is declared but never written: 2^40 floats, no bytes stored.
    const hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    const hsize_t dims[2] = {hsize_t{1} << 20, hsize_t{1} << 20};
    const hid_t space = H5Screate_simple(2, dims, nullptr);
    const hid_t dataset =
        H5Dcreate2(file, "huge", H5T_NATIVE_FLOAT, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    ASSERT_GE(dataset, 0);
    H5Dclose(dataset);
    H5Sclose(space);
    H5Fclose(file);
  }
  EXPECT_EQ(error_of([&] { hdf5::File::open(path).read_floats("huge"); }),
            path + ":/huge: its shape (1048576 x 1048576) claims 4.39805e+12 bytes, but the file " +
                "stores 0 (damaged or truncated?)");
}

}  // namespace
}  // namespace visage
