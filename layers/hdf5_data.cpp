#include "layers/hdf5_data.hpp"

#include <algorithm>
#include <filesystem>
#include <numeric>
#include <sstream>

#include "core/config.hpp"
#include "core/hdf5.hpp"

namespace visage {
namespace {

constexpr const char* kStateVersion = "hdf5_data_v1";

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
  for (int64_t b = 0; b < batch_size_; ++b) {
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

std::string HDF5DataLayer::save_state() const {
  std::ostringstream out;
  out << kStateVersion << ' ' << files_.size() << ' ' << file_cursor_ << ' ' << row_cursor_ << ' '
      << row_order_.size();
  for (int f : file_order_) out << ' ' << f;
  for (int r : row_order_) out << ' ' << r;
  out << ' ' << rng_.state();
  return out.str();
}

void HDF5DataLayer::load_state(const std::string& state) {
  std::istringstream in(state);
  std::string version;
  size_t num_files = 0;
  size_t num_rows = 0;
  int file_cursor = 0;
  int row_cursor = 0;
  in >> version >> num_files >> file_cursor >> row_cursor >> num_rows;
  VISAGE_LAYER_CHECK(in && version == kStateVersion, "saved state is not an HDF5Data state");
  VISAGE_LAYER_CHECK(num_files == files_.size(), "saved state is for ", num_files,
                     " files, the source lists ", files_.size());
  std::vector<int> file_order(num_files);
  std::vector<int> row_order(num_rows);
  for (int& f : file_order) in >> f;
  for (int& r : row_order) in >> r;
  std::string rng_state;
  std::getline(in >> std::ws, rng_state);
  VISAGE_LAYER_CHECK(!in.fail() && file_cursor >= 0 &&
                         static_cast<size_t>(file_cursor) < num_files && row_cursor >= 0 &&
                         static_cast<size_t>(row_cursor) < num_rows,
                     "saved state is damaged");
  file_order_ = std::move(file_order);
  file_cursor_ = file_cursor;
  load_file(file_order_[file_cursor_]);
  VISAGE_LAYER_CHECK(static_cast<int64_t>(num_rows) == loaded_rows_, "saved state has ", num_rows,
                     " rows for ", files_[loaded_file_], ", which now has ", loaded_rows_);
  row_order_ = std::move(row_order);
  row_cursor_ = row_cursor;
  rng_.set_state(rng_state);
}

}  // namespace visage
