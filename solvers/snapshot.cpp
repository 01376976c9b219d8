#include "solvers/snapshot.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>

#include "core/config.hpp"
#include "core/error.hpp"

namespace visage {
namespace {

std::string hash_text(uint64_t hash) {
  char text[19];
  std::snprintf(text, sizeof(text), "%016llx", static_cast<unsigned long long>(hash));
  return text;
}

// Caffe wrote some legacy weights as 4-D (1, 1, out, in); leading 1s do not change the layout.
Shape without_leading_ones(Shape shape) {
  while (shape.size() > 1 && shape.front() == 1) shape.erase(shape.begin());
  return shape;
}

std::string param_name(const std::string& layer, size_t index) {
  return concat("data/", layer, "/", index);
}

}  // namespace

std::string snapshot_path(const std::string& prefix, int64_t iteration) {
  return concat(prefix, "_iter_", iteration, ".h5");
}

void write_snapshot_header(hdf5::File& file, const Net& net) {
  file.set_attribute("format", std::string(kSnapshotFormat));
  file.set_attribute("format_version", kSnapshotFormatVersion);
  file.set_attribute("net_name", net.name());
  file.set_attribute("config_hash", hash_text(net.config().hash()));
}

hdf5::File open_snapshot(const std::string& path) {
  hdf5::File file = hdf5::File::open(path);
  VISAGE_CHECK(file.has_attribute("format") && file.string_attribute("format") == kSnapshotFormat,
               path,
               ": not a Visage snapshot (no 'format' attribute); HDF5 weights from Caffe "
               "or elsewhere load with --weights instead");
  const int64_t version =
      file.has_attribute("format_version") ? file.int_attribute("format_version") : -1;
  VISAGE_CHECK(version >= 1 && version <= kSnapshotFormatVersion, path,
               ": snapshot format version ", version, " is not supported (this Visage reads 1 to ",
               kSnapshotFormatVersion, ")");
  VISAGE_CHECK(version < kFirstSealedFormat || file.sealed(), path, ": damaged snapshot: format ",
               version,
               " is sealed with a checksum, and this file's "
               "seal is missing (its first bytes were overwritten)");
  for (const char* attribute : {"net_name", "config_hash"}) {
    VISAGE_CHECK(file.has_attribute(attribute), path, ": damaged snapshot: attribute '", attribute,
                 "' is missing");
  }
  VISAGE_CHECK(file.contains("data") && file.contains("solver"), path,
               ": damaged snapshot: the /data or /solver group is missing");
  return file;
}

std::string describe_config_mismatch(const hdf5::File& file, const Net& net) {
  const std::string name = file.string_attribute("net_name");
  const std::string hash = file.string_attribute("config_hash");
  const std::string ours = hash_text(net.config().hash());
  if (hash == ours) return {};
  return concat(file.file_path(), " was written for net '", name, "' with config hash ", hash,
                ", this net '", net.name(), "' (", net.config().source, ") hashes to ", ours);
}

void write_weights(hdf5::Group& root, const Net& net) {
  root.require_group("data");
  for (int i = 0; i < net.num_layers(); ++i) {
    const Layer& layer = net.layer(i);
    for (size_t j = 0; j < layer.params().size(); ++j) {
      const Tensor& param = *layer.params()[j];
      root.write(param_name(layer.name(), j), param.data(), param.shape());
    }
  }
}

WeightsReport read_weights(const hdf5::Group& root, Net& net, bool strict) {
  VISAGE_CHECK(root.contains("data"), root.file_path(),
               ": has no /data group, so it holds no weights in Visage's (Caffe's HDF5) layout");
  WeightsReport report;
  for (int i = 0; i < net.num_layers(); ++i) {
    Layer& layer = net.layer(i);
    if (layer.params().empty()) continue;
    if (!root.contains(concat("data/", layer.name()))) {
      VISAGE_CHECK(!strict, root.file_path(), ": has no weights for ", layer.describe(),
                   " (was it written for a different net?)");
      report.layers_missing.push_back(layer.name());
      continue;
    }
    for (size_t j = 0; j < layer.params().size(); ++j) {
      const std::string name = param_name(layer.name(), j);
      VISAGE_CHECK(root.contains(name), root.where(name), ": missing (", layer.describe(), " has ",
                   layer.params().size(), " parameters)");
      Shape shape;
      std::vector<float> values = root.read_floats(name, &shape);
      Tensor& param = *layer.params()[j];
      VISAGE_CHECK(without_leading_ones(shape) == without_leading_ones(param.shape()),
                   root.where(name), ": shape ", to_string(shape), " does not match ",
                   layer.describe(), " parameter ", j, " of shape ", param.shape_string());
      const auto bad = std::ranges::find_if_not(values, [](float v) { return std::isfinite(v); });
      VISAGE_CHECK(bad == values.end(), root.where(name), ": value ", bad - values.begin(), " is ",
                   bad == values.end() ? 0.0f : *bad,
                   ": the file was written after training had diverged; use an earlier snapshot");
      std::ranges::copy(values, param.mutable_data().begin());
    }
    ++report.layers_loaded;
  }
  VISAGE_CHECK(report.layers_loaded > 0 || report.layers_missing.empty(), root.file_path(),
               ": no layer of net '", net.name(),
               "' has weights in this file (layer names must "
               "match)");
  return report;
}

namespace {

Shape blob_shape(const proto::BlobProto& blob) {
  if (blob.has_shape()) return {blob.shape().dim().begin(), blob.shape().dim().end()};
  return {blob.num(), blob.channels(), blob.height(), blob.width()};  // Caffe's legacy 4-D form
}

}  // namespace

WeightsReport read_caffemodel(Net& net, const std::string& path) {
  proto::NetParameter model;
  try {
    read_binary_proto(path, model);
  } catch (const Error&) {
    fail(path, ": neither an HDF5 weights file nor a binary Caffe model (.caffemodel)");
  }
  std::map<std::string, const proto::LayerParameter*> by_name;
  for (const auto& layer : model.layer()) by_name[layer.name()] = &layer;
  WeightsReport report;
  for (int i = 0; i < net.num_layers(); ++i) {
    Layer& layer = net.layer(i);
    if (layer.params().empty()) continue;
    const auto found = by_name.find(layer.name());
    if (found == by_name.end() || found->second->blobs_size() == 0) {
      report.layers_missing.push_back(layer.name());
      continue;
    }
    const auto& blobs = found->second->blobs();
    VISAGE_CHECK(blobs.size() == static_cast<int>(layer.params().size()), path, ": layer '",
                 layer.name(), "' has ", blobs.size(), " blobs but ", layer.describe(), " has ",
                 layer.params().size(), " parameters");
    for (int j = 0; j < blobs.size(); ++j) {
      const proto::BlobProto& blob = blobs[j];
      Tensor& param = *layer.params()[j];
      const Shape shape = blob_shape(blob);
      VISAGE_CHECK(without_leading_ones(shape) == without_leading_ones(param.shape()), path,
                   ": layer '", layer.name(), "' blob ", j, " has shape ", to_string(shape),
                   " but ", layer.describe(), " parameter ", j, " has shape ",
                   param.shape_string());
      auto out = param.mutable_data();
      const int64_t stored = blob.data_size() > 0 ? blob.data_size() : blob.double_data_size();
      VISAGE_CHECK(stored == param.count(), path, ": layer '", layer.name(), "' blob ", j,
                   " holds ", stored, " values for shape ", to_string(shape));
      for (int64_t k = 0; k < param.count(); ++k) {
        out[k] = blob.data_size() > 0 ? blob.data(static_cast<int>(k))
                                      : static_cast<float>(blob.double_data(static_cast<int>(k)));
      }
    }
    ++report.layers_loaded;
  }
  VISAGE_CHECK(report.layers_loaded > 0, path, ": no layer of net '", net.name(),
               "' has weights in this model (layer names must match)");
  return report;
}

WeightsReport load_weights(Net& net, const std::string& path) {
  if (!hdf5::is_hdf5_file(path)) {
    VISAGE_CHECK(std::filesystem::exists(path), path, ": no such file");
    return read_caffemodel(net, path);
  }
  const hdf5::File file = hdf5::File::open(path);
  return read_weights(file, net, false);
}

void write_layer_states(hdf5::Group& root, const std::string& group, const Net& net) {
  hdf5::Group states = root.require_group(concat("state/", group));
  for (int i = 0; i < net.num_layers(); ++i) {
    const std::string state = net.layer(i).save_state();
    if (!state.empty()) states.write_bytes(net.layer(i).name(), state);
  }
}

void read_layer_states(const hdf5::Group& root, const std::string& group, Net& net) {
  // Without its state a data layer would restart its stream: the run would go on, but not as it
  // would have, so a missing state is an error, never a silent restart.
  const std::string path = concat("state/", group);
  VISAGE_CHECK(root.contains(path), root.where(path),
               ": the snapshot has no layer states for this net, so the run cannot resume "
               "exactly; start a new run from its weights with --weights instead");
  const hdf5::Group states = root.open_group(path);
  for (int i = 0; i < net.num_layers(); ++i) {
    Layer& layer = net.layer(i);
    if (layer.save_state().empty()) continue;
    VISAGE_CHECK(states.contains(layer.name()), states.where(layer.name()),
                 ": the snapshot has no state for ", layer.describe(),
                 ", so the run cannot resume exactly; start a new run from its weights with "
                 "--weights instead");
    with_context(states.where(layer.name()),
                 [&] { layer.load_state(states.read_bytes(layer.name())); });
  }
}

}  // namespace visage
