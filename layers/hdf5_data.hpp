// Caffe's HDF5Data layer: reads batches of rows from HDF5 files listed in a text file (one path per
// line, relative paths resolved against the list file's folder). Top i comes from the dataset named
// like the top ("data", "label"); dimension 0 indexes rows. Files are read lazily, one at a time,
// and the reader wraps around. With shuffle, the file order is reshuffled at every pass and the
// rows of each file on every load, with the layer's own RNG seeded from the context at configure
// time; the cursor, both orders and that RNG are the layer's saved state, so a resumed run sees
// exactly the batches an uninterrupted one would. In a data-parallel run every rank walks the
// global batch (world size x batch_size rows) and keeps its own slice of it.
#pragma once

#include <string>
#include <vector>

#include "core/rng.hpp"
#include "layers/data_layer.hpp"

namespace visage {

class HDF5DataLayer : public DataLayer {
 public:
  using DataLayer::DataLayer;
  const char* type() const override { return "HDF5Data"; }
  Arity top_arity() const override { return Arity::at_least(1); }
  void reshape(Tensors bottom, Tensors top) override;

  const std::vector<std::string>& files() const { return files_; }

 protected:
  void configure(Context& ctx, Tensors bottom, Tensors top) override;
  void forward_cpu(Context& ctx, Tensors bottom, Tensors top) override;
  proto::DataState data_state() const override;
  proto::DataState::ReaderCase reader_case() const override { return proto::DataState::kHdf5Data; }
  void restore_data_state(const proto::DataState& state) override;

 private:
  void load_file(int file);
  void start_rows();
  void advance_row();
  void shuffle(std::vector<int>& order);

  std::vector<std::string> files_;
  int64_t batch_size_ = 0;
  int64_t rank_ = 0;        // this process's slice of each global batch
  int64_t world_size_ = 1;  // slices per global batch
  bool shuffle_ = false;
  Rng rng_;
  std::vector<Shape> row_shapes_;  // per top, the shape of one row

  std::vector<int> file_order_;
  int file_cursor_ = 0;
  std::vector<int> row_order_;
  int row_cursor_ = 0;

  int loaded_file_ = -1;
  int64_t loaded_rows_ = 0;
  std::vector<std::vector<float>> loaded_;  // per top, the rows of the loaded file
};

}  // namespace visage
