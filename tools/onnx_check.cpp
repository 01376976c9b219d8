#include "tools/onnx_check.hpp"

#include "core/error.hpp"
#include "core/hdf5_atomic.hpp"
#include "core/rng.hpp"

namespace visage::tools {

void write_onnx_check(Net& net, Context& ctx, const OnnxExport& exported, uint64_t seed,
                      const std::string& path) {
  // HDF5 would read a '/' in a dataset name as a group.
  for (const auto* values : {&exported.inputs, &exported.outputs}) {
    for (const OnnxValue& value : *values) {
      VISAGE_CHECK(value.name.find('/') == std::string::npos, path, ": graph value '", value.name,
                   "' has a '/', which an HDF5 dataset name cannot; rename the top");
    }
  }
  Rng rng(seed);
  for (const OnnxValue& input : exported.inputs) {
    for (float& v : net.tensor(input.tensor)->mutable_data()) v = rng.gaussian(0.0f, 1.0f);
  }
  net.forward(ctx);
  hdf5::write_atomically(path, [&](hdf5::File& file) {
    file.set_attribute("seed", static_cast<int64_t>(seed));
    hdf5::Group inputs = file.require_group("inputs");
    for (const OnnxValue& input : exported.inputs) {
      const Tensor& t = *net.tensor(input.tensor);
      inputs.write(input.name, t.data(), t.shape());
    }
    hdf5::Group outputs = file.require_group("outputs");
    for (const OnnxValue& output : exported.outputs) {
      const Tensor& t = *net.tensor(output.tensor);
      outputs.write(output.name, t.data(), t.shape());
    }
  });
}

}  // namespace visage::tools
