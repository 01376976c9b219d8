#include "layers/hdf5_data.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "core/config.hpp"
#include "tests/solvers/training_fixture.hpp"

namespace visage {
namespace {

using testing::TempFolder;
using testing::write_text;

// A file whose "data" rows are (id, 10 * id) and whose "label" is id, ids starting at `first`.
void write_rows(const std::string& path, int first, int rows) {
  std::vector<float> data;
  std::vector<float> label;
  for (int r = 0; r < rows; ++r) {
    data.push_back(static_cast<float>(first + r));
    data.push_back(static_cast<float>(10 * (first + r)));
    label.push_back(static_cast<float>(first + r));
  }
  hdf5::File file = hdf5::File::create(path);
  file.write("data", std::span<const float>(data), {rows, 2});
  file.write("label", std::span<const float>(label), {rows});
  file.close();
}

struct Hdf5Reader {
  std::unique_ptr<HDF5DataLayer> layer;
  Tensor data;
  Tensor label;
  std::vector<Tensor*> tops{&data, &label};

  Hdf5Reader(const std::string& source, int batch, bool shuffle, Context& ctx) {
    proto::LayerParameter p;
    p.set_name("data");
    p.set_type("HDF5Data");
    p.add_top("data");
    p.add_top("label");
    p.mutable_hdf5_data_param()->set_source(source);
    p.mutable_hdf5_data_param()->set_batch_size(batch);
    p.mutable_hdf5_data_param()->set_shuffle(shuffle);
    layer = std::make_unique<HDF5DataLayer>(p);
    layer->setup(ctx, {}, tops);
  }
  std::vector<float> next(Context& ctx) {
    layer->forward(ctx, {}, tops);
    return {label.data().begin(), label.data().end()};
  }
};

class HDF5DataTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(folder_.path() / "parts");
    write_rows(folder_ / "parts/a.h5", 0, 3);
    write_rows(folder_ / "parts/b.h5", 3, 3);
    write_text(folder_ / "list.txt", "# two parts\nparts/a.h5\n\n  parts/b.h5  \n");
  }
  TempFolder folder_;
  Context ctx_ = Context::cpu();
};

TEST_F(HDF5DataTest, ReadsRowsInOrderAcrossFilesAndWrapsAround) {
  Hdf5Reader d(folder_ / "list.txt", 4, false, ctx_);
  EXPECT_EQ(d.data.shape(), (Shape{4, 2}));
  EXPECT_EQ(d.label.shape(), (Shape{4}));
  EXPECT_EQ(d.next(ctx_), (std::vector<float>{0, 1, 2, 3}));
  EXPECT_EQ(d.data.data()[7], 30.0f);
  EXPECT_EQ(d.next(ctx_), (std::vector<float>{4, 5, 0, 1}));
}

TEST_F(HDF5DataTest, ShuffleVisitsEveryRowOncePerPassAndResumesExactly) {
  Hdf5Reader d(folder_ / "list.txt", 3, true, ctx_);
  std::multiset<float> pass;
  for (int b = 0; b < 2; ++b) {
    for (float v : d.next(ctx_)) pass.insert(v);
  }
  EXPECT_EQ(pass, (std::multiset<float>{0, 1, 2, 3, 4, 5}));

  d.next(ctx_);
  const std::string state = d.layer->save_state();
  std::vector<std::vector<float>> expected;
  for (int b = 0; b < 5; ++b) expected.push_back(d.next(ctx_));
  // Passes are reshuffled: the batches after the snapshot are not one order repeated.
  EXPECT_FALSE(expected[0] == expected[2] && expected[1] == expected[3] &&
               expected[2] == expected[4]);

  Context other = Context::cpu(1234);
  Hdf5Reader resumed(folder_ / "list.txt", 3, true, other);
  resumed.layer->load_state(state);
  for (int b = 0; b < 5; ++b) EXPECT_EQ(resumed.next(other), expected[b]) << "batch " << b;
}

TEST_F(HDF5DataTest, ErrorsNameTheFile) {
  const auto error_of = [&](const std::string& source) -> std::string {
    try {
      Hdf5Reader d(source, 2, false, ctx_);
      d.next(ctx_);
      d.next(ctx_);
    } catch (const Error& e) {
      return e.what();
    }
    return "(no error)";
  };
  EXPECT_NE(error_of(folder_ / "missing.txt").find(folder_ / "missing.txt" + ": no such file"),
            std::string::npos);

  write_text(folder_ / "gone.txt", "parts/a.h5\nparts/gone.h5\n");
  EXPECT_NE(error_of(folder_ / "gone.txt").find(folder_ / "parts/gone.h5" + ": no such file"),
            std::string::npos);

  {
    hdf5::File file = hdf5::File::create(folder_ / "nolabel.h5");
    file.write("data", std::span<const float>(std::vector<float>(4, 1.0f)), {2, 2});
    file.close();
  }
  write_text(folder_ / "nolabel.txt", "nolabel.h5\n");
  EXPECT_NE(
      error_of(folder_ / "nolabel.txt").find(folder_ / "nolabel.h5" + ": has no dataset 'label'"),
      std::string::npos);

  {
    hdf5::File file = hdf5::File::create(folder_ / "uneven.h5");
    file.write("data", std::span<const float>(std::vector<float>(6, 1.0f)), {3, 2});
    file.write("label", std::span<const float>(std::vector<float>(2, 1.0f)), {2});
    file.close();
  }
  write_text(folder_ / "uneven.txt", "uneven.h5\n");
  EXPECT_NE(error_of(folder_ / "uneven.txt")
                .find(folder_ / "uneven.h5" + ": dataset 'label' has 2 rows but 'data' has 3"),
            std::string::npos);
}

}  // namespace
}  // namespace visage
