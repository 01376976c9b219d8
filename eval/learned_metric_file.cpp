#include "eval/learned_metric_file.hpp"

#include <charconv>
#include <cmath>

#include "core/error.hpp"
#include "core/hdf5.hpp"
#include "core/hdf5_atomic.hpp"

namespace visage::eval {
namespace {

constexpr int64_t kLearnedMetricFormatVersion = 1;
constexpr const char* kMethod = "mean subtraction, PCA, LDA; cosine distance";

// HDF5 attributes here are strings or integers: the regularisation travels as the shortest
// decimal that reads back to the same double.
std::string exact_decimal(double value) {
  char buffer[64];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value);
  VISAGE_CHECK(error == std::errc(), "cannot format ", value);
  return std::string(buffer, end);
}

double parse_decimal(const std::string& text, const std::string& where) {
  double value = 0.0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  VISAGE_CHECK(error == std::errc() && end == text.data() + text.size() && std::isfinite(value),
               where, ": '", text, "' is not a number");
  return value;
}

size_t positive_size(const hdf5::File& file, const std::string& name) {
  const int64_t value = file.int_attribute(name);
  VISAGE_CHECK(value > 0, file.where(), ": attribute ", name, " is ", value, ", expected > 0");
  return static_cast<size_t>(value);
}

}  // namespace

void write_learned_metric(const LearnedMetric& metric, const std::string& fitted_on,
                          const std::string& path) {
  const auto as_int = [](size_t value) { return static_cast<int64_t>(value); };
  hdf5::write_atomically(path, [&](hdf5::File& file) {
    file.set_attribute("visage_learned_metric_version", kLearnedMetricFormatVersion);
    file.set_attribute("method", kMethod);
    file.set_attribute("fitted_on", fitted_on);
    file.set_attribute("input_dim", as_int(metric.input_dim));
    file.set_attribute("pca_dims", as_int(metric.pca_dims));
    file.set_attribute("output_dim", as_int(metric.output_dim));
    file.set_attribute("option_pca_dims", metric.options.pca_dims);
    file.set_attribute("option_lda_dims", metric.options.lda_dims);
    file.set_attribute("option_regularisation", exact_decimal(metric.options.regularisation));
    file.set_attribute("option_whiten", static_cast<int64_t>(metric.options.whiten));
    file.set_attribute("identities", as_int(metric.identities));
    file.set_attribute("images", as_int(metric.images));
    file.write("mean", metric.mean, {as_int(metric.input_dim)});
    file.write("projection", metric.projection,
               {as_int(metric.input_dim), as_int(metric.output_dim)});
  });
}

LearnedMetric read_learned_metric(const std::string& path) {
  const hdf5::File file = hdf5::File::open(path);
  VISAGE_CHECK(file.has_attribute("visage_learned_metric_version"), path,
               ": not a learned metric (no visage_learned_metric_version attribute); "
               "`visage fit-metric` writes them");
  const int64_t version = file.int_attribute("visage_learned_metric_version");
  VISAGE_CHECK(version <= kLearnedMetricFormatVersion, path, ": learned metric format ", version,
               " is newer than this Visage reads (", kLearnedMetricFormatVersion,
               "); update Visage");
  LearnedMetric metric;
  metric.input_dim = positive_size(file, "input_dim");
  metric.pca_dims = positive_size(file, "pca_dims");
  metric.output_dim = positive_size(file, "output_dim");
  metric.options.pca_dims = file.int_attribute("option_pca_dims");
  metric.options.lda_dims = file.int_attribute("option_lda_dims");
  metric.options.regularisation = parse_decimal(file.string_attribute("option_regularisation"),
                                                file.where() + " attribute option_regularisation");
  metric.options.whiten = file.int_attribute("option_whiten") != 0;
  metric.identities = positive_size(file, "identities");
  metric.images = positive_size(file, "images");
  Shape shape;
  metric.mean = file.read_floats("mean", &shape);
  VISAGE_CHECK(shape == Shape{static_cast<int64_t>(metric.input_dim)}, path, ": mean has shape ",
               to_string(shape), ", expected (", metric.input_dim, ")");
  metric.projection = file.read_floats("projection", &shape);
  VISAGE_CHECK(shape == (Shape{static_cast<int64_t>(metric.input_dim),
                               static_cast<int64_t>(metric.output_dim)}),
               path, ": projection has shape ", to_string(shape), ", expected ", metric.input_dim,
               " x ", metric.output_dim);
  return metric;
}

}  // namespace visage::eval
