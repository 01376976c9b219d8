#include "eval/embeddings_file.hpp"

#include <sstream>

#include "core/error.hpp"
#include "core/hdf5.hpp"
#include "core/hdf5_atomic.hpp"

namespace visage::eval {
namespace {
constexpr int64_t kFormatVersion = 1;
}  // namespace

void write_embeddings(const EmbeddingTable& table, const EmbeddingProvenance& provenance,
                      const std::string& path) {
  std::string paths;
  for (const auto& p : table.paths()) {
    VISAGE_CHECK(p.find('\n') == std::string::npos, "image path with a newline: ", p);
    paths += p + "\n";
  }
  hdf5::write_atomically(path, [&](hdf5::File& file) {
    file.set_attribute("visage_embeddings_version", kFormatVersion);
    file.set_attribute("model", provenance.model);
    file.set_attribute("weights", provenance.weights);
    file.set_attribute("images", provenance.images);
    file.set_attribute("flip_averaged", static_cast<int64_t>(provenance.flip_averaged));
    file.write("embeddings", table.values(),
               {static_cast<int64_t>(table.size()), static_cast<int64_t>(table.dim())});
    file.write_bytes("paths", paths);
  });
}

EmbeddingTable read_embeddings(const std::string& path) {
  hdf5::File file = hdf5::File::open(path);
  VISAGE_CHECK(file.has_attribute("visage_embeddings_version") && file.contains("embeddings") &&
                   file.contains("paths"),
               path,
               ": not an embeddings file written by `visage embed` (expected the datasets "
               "'embeddings' and 'paths')");
  Shape shape;
  const std::vector<float> values = file.read_floats("embeddings", &shape);
  VISAGE_CHECK(shape.size() == 2, path, ": 'embeddings' has shape ", to_string(shape),
               ", expected N x D");
  std::istringstream lines(file.read_bytes("paths"));
  EmbeddingTable table(static_cast<size_t>(shape[1]));
  std::string line;
  int64_t row = 0;
  while (std::getline(lines, line)) {
    VISAGE_CHECK(row < shape[0], path, ": more paths than the ", shape[0], " embeddings");
    table.add(line, std::span(values).subspan(static_cast<size_t>(row * shape[1]),
                                              static_cast<size_t>(shape[1])));
    ++row;
  }
  VISAGE_CHECK(row == shape[0], path, ": ", row, " paths for ", shape[0], " embeddings");
  return table;
}

}  // namespace visage::eval
