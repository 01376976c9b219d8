#include "eval/embeddings_file.hpp"

#include <sstream>

#include "core/error.hpp"
#include "core/hdf5.hpp"
#include "core/hdf5_atomic.hpp"

namespace visage::eval {
namespace {

// 2: paths as HDF5 strings; 1: paths as one newline-separated byte array.
constexpr int64_t kEmbeddingsFormatVersion = 2;

// The dataset of vectors: `embeddings`, or else the file's only 2-D numeric dataset at the root
// (files written by other tools name it as they please).
std::string find_vectors(const hdf5::File& file, const std::string& path) {
  if (file.is_dataset("embeddings")) return "embeddings";
  std::vector<std::string> candidates;
  std::string datasets;
  for (const std::string& name : file.children()) {
    if (!file.is_dataset(name)) continue;
    datasets += (datasets.empty() ? "" : ", ") + name;
    if (!file.holds_strings(name) && file.shape_of(name).size() == 2) candidates.push_back(name);
  }
  VISAGE_CHECK(
      candidates.size() == 1, path,
      ": not an embeddings file: expected an N x D dataset (named 'embeddings', or the file's only "
      "2-D numeric dataset) and a 'paths' dataset of N image paths; the file has ",
      datasets.empty() ? std::string("no datasets") : "datasets " + datasets);
  return candidates.front();
}

std::vector<std::string> read_paths(const hdf5::File& file, const std::string& path) {
  VISAGE_CHECK(file.is_dataset("paths"), path,
               ": no 'paths' dataset (the image path of each row of embeddings, as strings)");
  if (file.holds_strings("paths")) return file.read_strings("paths");
  // Format 1: one byte array of newline-terminated paths.
  std::vector<std::string> paths;
  std::istringstream lines(file.read_bytes("paths"));
  for (std::string line; std::getline(lines, line);) paths.push_back(line);
  return paths;
}

}  // namespace

void write_embeddings(const EmbeddingTable& table, const EmbeddingProvenance& provenance,
                      const std::string& path) {
  hdf5::write_atomically(path, [&](hdf5::File& file) {
    file.set_attribute("visage_embeddings_version", kEmbeddingsFormatVersion);
    file.set_attribute("model", provenance.model);
    file.set_attribute("weights", provenance.weights);
    file.set_attribute("images", provenance.images);
    file.set_attribute("flip_averaged", static_cast<int64_t>(provenance.flip_averaged));
    file.write("embeddings", table.values(),
               {static_cast<int64_t>(table.size()), static_cast<int64_t>(table.dim())});
    file.write_strings("paths", table.paths());
  });
}

EmbeddingTable read_embeddings(const std::string& path) {
  const hdf5::File file = hdf5::File::open(path);
  if (file.has_attribute("visage_embeddings_version")) {
    const int64_t version = file.int_attribute("visage_embeddings_version");
    VISAGE_CHECK(version <= kEmbeddingsFormatVersion, path, ": embeddings format ", version,
                 " is newer than this Visage reads (", kEmbeddingsFormatVersion,
                 "); update Visage");
  }
  const std::string vectors = find_vectors(file, path);
  Shape shape;
  const std::vector<float> values = file.read_floats(vectors, &shape);
  VISAGE_CHECK(shape.size() == 2 && shape[1] > 0, path, ": '", vectors, "' has shape ",
               to_string(shape), ", expected N x D with D > 0");
  const std::vector<std::string> paths = read_paths(file, path);
  VISAGE_CHECK(static_cast<int64_t>(paths.size()) == shape[0], path, ": ", paths.size(),
               " paths for ", shape[0], " embeddings");
  EmbeddingTable table(static_cast<size_t>(shape[1]));
  const auto dim = static_cast<size_t>(shape[1]);
  try {
    for (size_t row = 0; row < paths.size(); ++row) {
      table.add(paths[row], std::span(values).subspan(row * dim, dim));
    }
  } catch (const Error& e) {
    fail(path, ": ", e.what());  // a path given twice
  }
  return table;
}

}  // namespace visage::eval
