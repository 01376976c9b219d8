// Visage's files from Python: embeddings files (`visage embed`'s), weights in Caffe's HDF5 layout
// (what --weights reads), snapshots, and LFW pairs files. Weights are read into vectors that the
// returned numpy arrays then own, without a further copy; embeddings are copied once more, out of
// the table eval::read_embeddings returns.
#include <pybind11/stl.h>

#include <algorithm>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "core/hdf5.hpp"
#include "core/hdf5_atomic.hpp"
#include "datasets/pairs.hpp"
#include "eval/embeddings_file.hpp"
#include "python/bindings/arrays.hpp"
#include "python/bindings/bindings.hpp"
#include "solvers/snapshot.hpp"

namespace visage::python {
namespace {

namespace py = pybind11;

py::tuple read_embeddings(const std::string& path) {
  const eval::EmbeddingTable table = eval::read_embeddings(path);
  const std::span<const float> values = table.values();
  FloatArray embeddings =
      to_numpy(std::vector<float>(values.begin(), values.end()),
               {static_cast<int64_t>(table.size()), static_cast<int64_t>(table.dim())});
  return py::make_tuple(table.paths(), std::move(embeddings));
}

void write_embeddings(const std::string& path, const std::vector<std::string>& paths,
                      const py::handle& embeddings, const eval::EmbeddingProvenance& provenance) {
  const FloatArray array = as_float_array(embeddings, "embeddings");
  VISAGE_CHECK(array.ndim() == 2 && array.shape(0) == static_cast<py::ssize_t>(paths.size()), path,
               ": embeddings must be N x D with N = ", paths.size(), " (one row per path), got ",
               to_string(shape_of(array)));
  const auto dim = static_cast<size_t>(array.shape(1));
  eval::EmbeddingTable table(dim);
  for (size_t row = 0; row < paths.size(); ++row) {
    table.add(paths[row], std::span(array.data() + row * dim, dim));
  }
  eval::write_embeddings(table, provenance, path);
}

bool is_index(const std::string& name) {
  return !name.empty() && name.find_first_not_of("0123456789") == std::string::npos;
}

// Whether read_weights finds a layer of this name again: every '/'-separated part (a group in the
// file) is non-empty and not a number (which would read as a parameter index).
bool storable_layer_name(const std::string& layer) {
  size_t begin = 0;
  while (true) {
    const size_t end = layer.find('/', begin);
    const std::string part = layer.substr(begin, end == std::string::npos ? end : end - begin);
    if (part.empty() || is_index(part)) return false;
    if (end == std::string::npos) return true;
    begin = end + 1;
  }
}

// Adds the layers under `group` (named `prefix` + child) to `weights`. A layer's parameters are
// the datasets named by their index; a child with another name is a group one level further down,
// because Caffe's layer names may hold a '/' ("inception_3a/1x1"), which HDF5 stores as nesting.
void collect_layers(const hdf5::Group& group, const std::string& prefix, py::dict& weights) {
  std::vector<std::string> indices;
  for (const std::string& child : group.children()) {
    if (is_index(child)) {
      indices.push_back(child);
    } else {
      collect_layers(group.open_group(child), prefix + child + "/", weights);
    }
  }
  if (indices.empty()) return;
  std::ranges::sort(indices, {}, [](const std::string& index) { return std::stoll(index); });
  py::list arrays;
  for (const std::string& index : indices) {
    Shape shape;
    std::vector<float> values = group.read_floats(index, &shape);
    arrays.append(to_numpy(std::move(values), shape));
  }
  weights[py::str(prefix.substr(0, prefix.size() - 1))] = arrays;
}

// The parameters under /data/<layer>/<index>, by layer (as HDF5 lists them, alphabetically) and
// index (numerically).
py::dict read_weight_group(const hdf5::Group& root) {
  VISAGE_CHECK(root.contains("data"), root.file_path(),
               ": has no /data group, so it holds no weights in Visage's (Caffe's HDF5) layout");
  py::dict weights;
  for (const std::string& layer : root.open_group("data").children()) {
    collect_layers(root.open_group("data/" + layer), layer + "/", weights);
  }
  return weights;
}

py::dict read_weights(const std::string& path) { return read_weight_group(hdf5::File::open(path)); }

// Writes /data/<layer>/<index> from a dict of layer name -> sequence of arrays.
void write_weights(const std::string& path, const py::dict& weights) {
  std::vector<std::pair<std::string, std::vector<FloatArray>>> layers;
  for (const auto& [key, params] : weights) {
    const std::string layer = py::cast<std::string>(key);
    VISAGE_CHECK(storable_layer_name(layer), path, ": layer name '", layer,
                 "' cannot be stored as /data/<layer>/<index>: each part between '/'s must be "
                 "non-empty and not a number");
    std::vector<FloatArray> arrays;
    for (const py::handle param : params) {
      arrays.push_back(as_float_array(param, concat("weights['", layer, "']")));
    }
    layers.emplace_back(layer, std::move(arrays));
  }
  hdf5::write_atomically(path, [&](hdf5::File& file) {
    hdf5::Group data = file.require_group("data");
    for (const auto& [layer, arrays] : layers) {
      for (size_t index = 0; index < arrays.size(); ++index) {
        const FloatArray& array = arrays[index];
        data.write(concat(layer, "/", index),
                   std::span<const float>(array.data(), static_cast<size_t>(array.size())),
                   shape_of(array));
      }
    }
  });
}

// What a snapshot says about itself, with its weights; checked as `visage train --resume` checks
// it (format, version, seal).
py::dict read_snapshot(const std::string& path) {
  const hdf5::File file = open_snapshot(path);
  const hdf5::Group solver = file.open_group("solver");
  py::dict snapshot;
  snapshot["iteration"] = solver.int_attribute("iteration");
  snapshot["solver_type"] = solver.string_attribute("type");
  snapshot["net_name"] = file.string_attribute("net_name");
  snapshot["config_hash"] = file.string_attribute("config_hash");
  snapshot["format_version"] = file.int_attribute("format_version");
  snapshot["weights"] = read_weight_group(file);
  return snapshot;
}

// An LFW pairs file (View 1 or 2) as columns.
py::dict read_pairs(const std::string& path) {
  const data::PairsProtocol protocol = data::read_pairs_file(path);
  const auto count = static_cast<py::ssize_t>(protocol.pairs.size());
  std::vector<std::string> first, second;
  py::array_t<bool> same(std::vector<py::ssize_t>{count});
  py::array_t<int32_t> fold(std::vector<py::ssize_t>{count});
  for (py::ssize_t i = 0; i < count; ++i) {
    const data::ImagePair& pair = protocol.pairs[static_cast<size_t>(i)];
    first.push_back(pair.first);
    second.push_back(pair.second);
    same.mutable_data()[i] = pair.same;
    fold.mutable_data()[i] = pair.fold;
  }
  py::dict pairs;
  pairs["first"] = first;
  pairs["second"] = second;
  pairs["same"] = same;
  pairs["fold"] = fold;
  pairs["num_folds"] = protocol.num_folds;
  return pairs;
}

}  // namespace

void bind_files(py::module_& module) {
  module.def("read_embeddings", &read_embeddings, py::arg("path"));
  module.def(
      "write_embeddings",
      [](const std::string& path, const std::vector<std::string>& paths,
         const py::handle& embeddings, const std::string& model, const std::string& weights,
         const std::string& images, bool flip_averaged) {
        write_embeddings(path, paths, embeddings, {model, weights, images, flip_averaged});
      },
      py::arg("path"), py::arg("paths"), py::arg("embeddings"), py::arg("model"),
      py::arg("weights"), py::arg("images"), py::arg("flip_averaged"));
  module.def("read_weights", &read_weights, py::arg("path"));
  module.def("write_weights", &write_weights, py::arg("path"), py::arg("weights"));
  module.def("read_snapshot", &read_snapshot, py::arg("path"));
  module.def("read_pairs", &read_pairs, py::arg("path"));
}

}  // namespace visage::python
