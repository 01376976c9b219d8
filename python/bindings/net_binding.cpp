// visage._visage.Net: a TEST-phase net built from a deploy prototxt, fed from numpy arrays.
//
// Where memory is copied: each fed array is copied once into the net's input tensor (the layers
// read their bottoms from the net's own buffers), and each requested output once out of it into a
// vector that the returned numpy array then owns without a further copy. A fed array that already
// is C-contiguous float32 is read in place; anything else is converted by numpy first. Parameters
// are views onto the net's contiguous parameter buffer on the CPU (writing into one changes what
// forward computes); on a GPU the host buffer is not where the net reads, so they are copies.
#include <H5pubconf.h>
#include <google/protobuf/text_format.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/blas_threads.hpp"
#include "core/device_choice.hpp"
#include "core/error.hpp"
#include "core/hdf5_atomic.hpp"
#include "core/net.hpp"
#include "datasets/image_io.hpp"
#include "eval/embedding_extractor.hpp"
#include "eval/image_files.hpp"
#include "python/bindings/arrays.hpp"
#include "python/bindings/bindings.hpp"
#include "solvers/builtin_layers.hpp"
#include "solvers/snapshot.hpp"

// load_weights and save_weights call HDF5 without the GIL, so two Python threads may be in HDF5
// at once (two nets, or a net and visage.read_weights): only a thread-safe HDF5 allows that.
#ifndef H5_HAVE_THREADSAFE
#error \
    "Visage's Python module needs an HDF5 built thread-safe (--enable-threadsafe, H5_HAVE_THREADSAFE): it calls HDF5 from several threads"
#endif

namespace visage::python {
namespace {

namespace py = pybind11;

class BoundNet {
 public:
  // Parameters initialised by the fillers from `seed`; load_weights() replaces them.
  BoundNet(const std::string& model, const std::string& device, int threads, uint64_t seed)
      : model_(model), threads_(threads), ctx_(make_context(device, seed)) {
    NetOptions options;
    options.phase = proto::TEST;
    net_ = std::make_unique<Net>(load_net_config(model), options, ctx_, builtin_layers());
  }

  std::string name() const { return net_->name(); }
  std::string device() const { return ctx_.describe(); }
  int threads() const { return threads_; }

  // The tops of the Input layers: what forward() is fed.
  std::vector<std::string> inputs() const {
    std::vector<std::string> names;
    for (int i = 0; i < net_->num_layers(); ++i) {
      if (std::string_view(net_->layer(i).type()) != "Input") continue;
      for (const std::string& top : net_->top_names(i)) names.push_back(top);
    }
    return names;
  }

  std::vector<std::string> outputs() const { return net_->output_names(); }

  // Every layer as the net runs it, in order (with the Split layers the net inserted): name,
  // type, bottoms, tops and its LayerParameter as prototxt text, for tools that translate a net
  // (an exporter needs each layer's settings, not only its parameters).
  py::list layers() const {
    py::list result;
    for (int i = 0; i < net_->num_layers(); ++i) {
      const Layer& layer = net_->layer(i);
      std::string prototxt;
      google::protobuf::TextFormat::PrintToString(layer.param(), &prototxt);
      py::dict row;
      row["name"] = layer.name();
      row["type"] = std::string(layer.type());
      row["bottoms"] =
          std::vector<std::string>(layer.param().bottom().begin(), layer.param().bottom().end());
      row["tops"] = net_->top_names(i);
      row["prototxt"] = prototxt;
      result.append(row);
    }
    return result;
  }

  Shape shape(const std::string& tensor) const {
    const std::unique_lock one_use_at_a_time = lock_net();
    return find_tensor(tensor).shape();
  }

  py::dict forward(const py::dict& feeds, const std::vector<std::string>& wanted) {
    struct Feed {
      std::string name;
      Tensor* tensor;
      FloatArray array;
      Shape shape;
    };
    std::vector<Feed> prepared;
    const std::vector<std::string> input_names = inputs();
    for (const auto& [key, value] : feeds) {
      const std::string name = py::cast<std::string>(key);
      VISAGE_CHECK(std::ranges::find(input_names, name) != input_names.end(), model_,
                   ": no input named '", name, "' (inputs: ", join(input_names), ")");
      FloatArray array = as_float_array(value, concat("input '", name, "'"));
      Shape shape = shape_of(array);
      prepared.push_back({name, &find_tensor(name), std::move(array), std::move(shape)});
    }
    std::vector<Tensor*> outputs;
    for (const std::string& name : wanted) outputs.push_back(&find_tensor(name));

    std::vector<std::vector<float>> values(outputs.size());
    std::vector<Shape> shapes(outputs.size());
    {
      py::gil_scoped_release without_gil;
      const std::lock_guard one_use_at_a_time(net_mutex_);
      // Checked under the lock: another thread's forward reshapes the input tensors.
      for (const Feed& feed : prepared) {
        check_feed_shape(feed.name, feed.tensor->shape(), feed.shape);
      }
      const cpu::BlasThreadsDuring blas_threads(threads_);
      for (Feed& feed : prepared) {
        feed.tensor->reshape(feed.shape);
        const std::span<const float> source(feed.array.data(), feed.array.size());
        std::ranges::copy(source, feed.tensor->mutable_data().begin());
      }
      net_->forward(ctx_);
      for (size_t i = 0; i < outputs.size(); ++i) {
        const std::span<const float> result = outputs[i]->data();
        values[i].assign(result.begin(), result.end());
        shapes[i] = outputs[i]->shape();
      }
    }
    py::dict result;
    for (size_t i = 0; i < outputs.size(); ++i) {
      result[py::str(wanted[i])] = to_numpy(std::move(values[i]), shapes[i]);
    }
    return result;
  }

  // Layer name -> its parameters, in the net's layer order. `owner` (this net's Python object)
  // is the base of every view, so the views keep the net alive.
  py::dict params(const py::object& owner) {
    // Reading a parameter on a GPU copies it to the host (and marks the copy current), which a
    // forward on another thread must not see half done.
    const std::unique_lock one_use_at_a_time = lock_net();
    py::dict result;
    for (int i = 0; i < net_->num_layers(); ++i) {
      Layer& layer = net_->layer(i);
      if (layer.params().empty()) continue;
      py::list arrays;
      for (const auto& param : layer.params()) {
        const std::vector<py::ssize_t> shape(param->shape().begin(), param->shape().end());
        if (ctx_.is_gpu()) {
          const std::span<const float> values = param->data();
          arrays.append(to_numpy(std::vector<float>(values.begin(), values.end()), param->shape()));
        } else {
          arrays.append(FloatArray(shape, param->mutable_data().data(), owner));
        }
      }
      result[py::str(layer.name())] = arrays;
    }
    return result;
  }

  // Copies the weights of every layer found by name in `path` (as --weights does); returns the
  // layers that kept their initialisation.
  std::vector<std::string> load_weights(const std::string& path) {
    py::gil_scoped_release without_gil;
    const std::lock_guard one_use_at_a_time(net_mutex_);
    return visage::load_weights(*net_, path).layers_missing;
  }

  // /data/<layer>/<index>: the layout `--weights` and load_weights() read.
  void save_weights(const std::string& path) {
    py::gil_scoped_release without_gil;
    const std::lock_guard one_use_at_a_time(net_mutex_);
    hdf5::write_atomically(path, [&](hdf5::File& file) { write_weights(file, *net_); });
  }

  // Images read and prepared as `visage embed` prepares them for this net's image input: the
  // input layer's TEST-phase face_transform_param (or pixels / 255), resized to its height x
  // width; N x C x H x W. With a root, paths are names under it, found as `visage embed
  // --images ROOT` finds them (a pairs file's .jpg name also matches a .png file).
  FloatArray prepare_images(const std::vector<std::string>& paths,
                            const std::optional<std::string>& root) const {
    int input_layer = 0;
    int channels = 0;
    int height = 0;
    int width = 0;
    {
      const std::unique_lock one_use_at_a_time = lock_net();
      input_layer = image_input_layer();
      const Tensor& input = *net_->tops(input_layer)[0];
      channels = static_cast<int>(input.dim(1));
      height = static_cast<int>(input.dim(2));
      width = static_cast<int>(input.dim(3));
    }
    const int64_t per_image = static_cast<int64_t>(channels) * height * width;
    std::vector<float> batch(paths.size() * static_cast<size_t>(per_image));
    {
      py::gil_scoped_release without_gil;
      for (size_t n = 0; n < paths.size(); ++n) {
        const data::FloatImage x =
            eval::prepare_for_input(data::read_image(root ? eval::resolve_image(*root, paths[n])
                                                          : std::filesystem::path(paths[n]),
                                                     channels),
                                    net_->layer(input_layer).param(), height, width);
        float* out = batch.data() + static_cast<int64_t>(n) * per_image;
        for (int c = 0; c < channels; ++c) {
          for (int y = 0; y < height; ++y) {
            for (int col = 0; col < width; ++col) *out++ = x.at(y, col, c);
          }
        }
      }
    }
    return to_numpy(std::move(batch),
                    {static_cast<int64_t>(paths.size()), channels, height, width});
  }

 private:
  // For the paths that need the GIL while they use the net. Waiting for the mutex with the GIL
  // held would deadlock against one of them holding the mutex while it takes the GIL back.
  std::unique_lock<std::mutex> lock_net() const {
    const py::gil_scoped_release without_gil;
    return std::unique_lock(net_mutex_);
  }

  Tensor& find_tensor(const std::string& name) const {
    Tensor* tensor = net_->tensor(name);
    VISAGE_CHECK(tensor != nullptr, model_, ": no tensor named '", name, "'");
    return *tensor;
  }

  // The first layer without bottoms whose first top is N x C x H x W (as `visage embed` picks).
  int image_input_layer() const {
    for (int i = 0; i < net_->num_layers(); ++i) {
      if (net_->bottoms(i).empty() && !net_->tops(i).empty() && net_->tops(i)[0]->num_axes() == 4) {
        return i;
      }
    }
    fail(model_, ": no input layer with an N x C x H x W top to feed images into");
  }

  // Only the batch (the first axis) may differ from the prototxt's shape.
  void check_feed_shape(const std::string& name, const Shape& expected, const Shape& got) const {
    const bool same_but_batch = got.size() == expected.size() && !got.empty() && got[0] > 0 &&
                                std::equal(got.begin() + 1, got.end(), expected.begin() + 1);
    Shape any_batch = expected;
    if (!any_batch.empty()) any_batch[0] = -1;
    VISAGE_CHECK(same_but_batch, model_, ": input '", name, "' takes arrays of shape ",
                 to_string(any_batch), " (any batch size for -1), got ", to_string(got));
  }

  static std::string join(const std::vector<std::string>& names) {
    std::string text;
    for (const std::string& name : names) text += (text.empty() ? "" : ", ") + name;
    return text.empty() ? "none" : text;
  }

  std::string model_;
  int threads_;
  Context ctx_;
  std::unique_ptr<Net> net_;
  // Held by whatever reads or changes the net's tensors (forward, shape, params, load_weights,
  // save_weights, prepare_images' look at the input): forward and the weights files run without
  // the GIL, so only this keeps them apart from each other and from the rest.
  mutable std::mutex net_mutex_;
};

}  // namespace

void bind_net(py::module_& module) {
  py::class_<BoundNet>(module, "Net")
      .def(py::init<const std::string&, const std::string&, int, uint64_t>(), py::arg("model"),
           py::arg("device"), py::arg("threads"), py::arg("seed"))
      .def_property_readonly("name", &BoundNet::name)
      .def_property_readonly("device", &BoundNet::device)
      .def_property_readonly("threads", &BoundNet::threads)
      .def_property_readonly("inputs", &BoundNet::inputs)
      .def_property_readonly("outputs", &BoundNet::outputs)
      .def_property_readonly("layers", &BoundNet::layers)
      .def("shape", &BoundNet::shape, py::arg("tensor"))
      .def("forward", &BoundNet::forward, py::arg("feeds"), py::arg("outputs"))
      .def("params", [](py::object self) { return self.cast<BoundNet&>().params(self); })
      .def("load_weights", &BoundNet::load_weights, py::arg("path"))
      .def("save_weights", &BoundNet::save_weights, py::arg("path"))
      .def("prepare_images", &BoundNet::prepare_images, py::arg("paths"), py::arg("root"));
}

}  // namespace visage::python
