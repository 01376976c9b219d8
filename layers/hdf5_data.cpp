#include "layers/hdf5_data.hpp"

#include <algorithm>
#include <filesystem>
#include <numeric>
#include <sstream>

#include "core/config.hpp"
#include "core/hdf5.hpp"

namespace visage {
namespace {

std::vector<std::string> read_list(const std::string& list_path) {
  const std::string text = read_file(list_path);
  const std::filesystem::path folder = std::filesystem::path(list_path).parent_path();
  std::vector<std::string> files;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    const auto begin = line.find_first_not_of(" \t\r");
    if (begin == std::string::npos || line[begin] == '#') continue;
    const auto end = line.find_last_not_of(" \t\r");
    const std::filesystem::path file(line.substr(begin, end - begin + 1));
    files.push_back(file.is_absolute() ? file.string() : (folder / file).string());
  }
  return files;
}

}  // namespace

void HDF5DataLayer::configure(Context& ctx, Tensors bottom, Tensors top) {
  const auto& p = param_.hdf5_data_param();
  VISAGE_LAYER_CHECK(!p.source().empty(),
                     "hdf5_data_param.source (a list of .h5 files) is not set");
  VISAGE_LAYER_CHECK(p.batch_size() > 0, "hdf5_data_param.batch_size must be > 0");
  files_ = with_context(describe(), [&] { return read_list(p.source()); });
  VISAGE_LAYER_CHECK(!files_.empty(), p.source(), " lists no HDF5 files");
  batch_size_ = p.batch_size();
  rank_ = ctx.rank();
  world_size_ = ctx.world_size();
  shuffle_ = p.shuffle();
  rng_ = Rng(ctx.rng().next_u64());

  file_order_.resize(files_.size());
  std::iota(file_order_.begin(), file_order_.end(), 0);
  if (shuffle_) shuffle(file_order_);
  file_cursor_ = 0;
  load_file(file_order_[0]);
  start_rows();
}

void HDF5DataLayer::shuffle(std::vector<int>& order) {
  // Fisher-Yates on the layer's RNG: the same permutation on every platform.
  for (size_t i = order.size(); i > 1; --i) {
    std::swap(order[i - 1], order[rng_.below(i)]);
  }
}

void HDF5DataLayer::load_file(int file) {
  if (file == loaded_file_) return;
  const std::string& path = files_[file];
  with_context(describe(), [&] {
    const hdf5::File h5 = hdf5::File::open(path);
    const bool first = row_shapes_.empty();
    std::vector<std::vector<float>> loaded;
    int64_t rows = -1;
    for (int t = 0; t < param_.top_size(); ++t) {
      const std::string& name = param_.top(t);
      VISAGE_CHECK(h5.contains(name), path, ": has no dataset '", name, "' (the layer's top ", t,
                   " reads the dataset of the same name)");
      Shape shape;
      loaded.push_back(h5.read_floats(name, &shape));
      VISAGE_CHECK(!shape.empty() && shape[0] > 0, path, ": dataset '", name, "' has shape ",
                   to_string(shape), "; dimension 0 must count at least one row");
      const Shape row(shape.begin() + 1, shape.end());
      if (first) {
        row_shapes_.push_back(row);
      } else {
        VISAGE_CHECK(row == row_shapes_[t], path, ": rows of dataset '", name, "' have shape ",
                     to_string(row), " but ", to_string(row_shapes_[t]), " in ", files_[0]);
      }
      VISAGE_CHECK(rows < 0 || rows == shape[0], path, ": dataset '", name, "' has ", shape[0],
                   " rows but '", param_.top(0), "' has ", rows);
      rows = shape[0];
    }
    loaded_ = std::move(loaded);
    loaded_rows_ = rows;
    loaded_file_ = file;
  });
}

void HDF5DataLayer::start_rows() {
  row_order_.resize(static_cast<size_t>(loaded_rows_));
  std::iota(row_order_.begin(), row_order_.end(), 0);
  if (shuffle_) shuffle(row_order_);
  row_cursor_ = 0;
}

void HDF5DataLayer::advance_row() {
  if (++row_cursor_ < static_cast<int>(row_order_.size())) return;
  file_cursor_ = (file_cursor_ + 1) % static_cast<int>(files_.size());
  if (file_cursor_ == 0 && shuffle_) shuffle(file_order_);
  load_file(file_order_[file_cursor_]);
  start_rows();
}

void HDF5DataLayer::reshape(Tensors bottom, Tensors top) {
  for (size_t t = 0; t < top.size(); ++t) {
    Shape shape{batch_size_};
    shape.insert(shape.end(), row_shapes_[t].begin(), row_shapes_[t].end());
    top[t]->reshape(shape);
  }
}

void HDF5DataLayer::forward_cpu(Context&, Tensors, Tensors top) {
  std::vector<std::span<float>> out;
  for (Tensor* t : top) out.push_back(t->mutable_data());
  // Every rank walks the rows of the whole global batch (world_size x batch_size), as a single
  // process with that batch would, and keeps its own slice: rank r rows [r * B, (r + 1) * B).
  const int64_t first = rank_ * batch_size_;
  for (int64_t g = 0; g < world_size_ * batch_size_; ++g) {
    const int64_t b = g - first;
    if (b < 0 || b >= batch_size_) {
      advance_row();
      continue;
    }
    const int row = row_order_[row_cursor_];
    for (size_t t = 0; t < top.size(); ++t) {
      const auto width = static_cast<size_t>(shape_count(row_shapes_[t]));
      const auto source = loaded_[t].begin() + static_cast<std::ptrdiff_t>(row * width);
      std::copy(source, source + static_cast<std::ptrdiff_t>(width),
                out[t].begin() + static_cast<std::ptrdiff_t>(b * static_cast<int64_t>(width)));
    }
    advance_row();
  }
}

proto::DataState HDF5DataLayer::data_state() const {
  proto::DataState state;
  proto::HDF5DataState& hdf5 = *state.mutable_hdf5_data();
  hdf5.set_files(files_.size());
  hdf5.set_file_cursor(file_cursor_);
  hdf5.set_row_cursor(row_cursor_);
  hdf5.mutable_file_order()->Add(file_order_.begin(), file_order_.end());
  hdf5.mutable_row_order()->Add(row_order_.begin(), row_order_.end());
  hdf5.set_rng(rng_.state());
  return state;
}

void HDF5DataLayer::restore_data_state(const proto::DataState& state) {
  const proto::HDF5DataState& hdf5 = state.hdf5_data();
  VISAGE_CHECK(hdf5.files() == files_.size(), "saved state is for ", hdf5.files(),
               " files, the source lists ", files_.size());
  const int num_files = hdf5.file_order_size();
  const int num_rows = hdf5.row_order_size();
  VISAGE_CHECK(static_cast<size_t>(num_files) == files_.size() && hdf5.file_cursor() >= 0 &&
                   hdf5.file_cursor() < num_files && hdf5.row_cursor() >= 0 &&
                   hdf5.row_cursor() < num_rows,
               "saved state is damaged");
  for (int f : hdf5.file_order()) {
    VISAGE_CHECK(f >= 0 && f < num_files, "saved state is damaged (file ", f, " of ", num_files,
                 ")");
  }
  file_order_.assign(hdf5.file_order().begin(), hdf5.file_order().end());
  file_cursor_ = hdf5.file_cursor();
  load_file(file_order_[file_cursor_]);
  VISAGE_CHECK(num_rows == loaded_rows_, "saved state has ", num_rows, " rows for ",
               files_[loaded_file_], ", which now has ", loaded_rows_);
  for (int r : hdf5.row_order()) {
    VISAGE_CHECK(r >= 0 && r < num_rows, "saved state is damaged (row ", r, " of ", num_rows, ")");
  }
  row_order_.assign(hdf5.row_order().begin(), hdf5.row_order().end());
  row_cursor_ = hdf5.row_cursor();
  rng_.set_state(hdf5.rng());
}

}  // namespace visage
