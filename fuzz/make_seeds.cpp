// visage_fuzz_seeds OUT: writes the seed files that only the library can make, one folder per
// fuzz target (scripts/fuzz.sh adds the repo's configs itself):
//   OUT/image_decoder/  a synthetic face as PNG, JPEG and PGM/PPM, grey and colour
//   OUT/pairs/          a View 2 pairs.txt written with its dataset, and a View 1 file
//   OUT/embeddings/     an embeddings file written by write_embeddings
//   OUT/snapshot/       a snapshot of fuzz/tiny_training.hpp's run after two iterations
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/context.hpp"
#include "datasets/image_io.hpp"
#include "datasets/synthetic_face_files.hpp"
#include "eval/embeddings_file.hpp"
#include "fuzz/tiny_training.hpp"
#include "solvers/solver.hpp"

namespace fs = std::filesystem;

namespace {

void write_bytes(const fs::path& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  VISAGE_CHECK(out.good(), "cannot write ", path.string());
}

// A small synthetic dataset gives a real face image and a real View 2 pairs file.
void write_images_and_pairs(const fs::path& out) {
  const fs::path dataset = out / "dataset";
  visage::synthetic::SyntheticDatasetSpec spec;
  spec.face.size = 24;
  spec.identities = 4;
  spec.images_per_identity = 2;
  spec.folds = 2;
  spec.pairs_per_fold = 1;
  visage::data::write_synthetic_dataset(spec, dataset);
  fs::create_directories(out / "pairs");
  fs::copy_file(dataset / "pairs.txt", out / "pairs" / "view2.txt");
  std::ofstream(out / "pairs" / "view1.txt")
      << "1\nAbel_Pacheco\t1\t4\nAbel_Pacheco\t1\tAl_Gore\t2\n";

  fs::path face;
  for (const auto& entry : fs::recursive_directory_iterator(dataset)) {
    if (entry.path().extension() == ".png") face = entry.path();
  }
  VISAGE_CHECK(!face.empty(), "no face image under ", dataset.string());
  const fs::path images = out / "image_decoder";
  fs::create_directories(images);
  for (const int channels : {1, 3}) {
    const visage::data::Image image = visage::data::read_image(face, channels);
    const std::string stem = channels == 1 ? "grey" : "rgb";
    write_bytes(images / (stem + ".png"), visage::data::encode_png(image));
    write_bytes(images / (stem + ".jpg"), visage::data::encode_jpeg(image, 75));
    write_bytes(images / (stem + (channels == 1 ? ".pgm" : ".ppm")),
                visage::data::encode_pnm(image));
  }
  // The text variants of PNM, which no encoder writes.
  std::ofstream(images / "text.pgm") << "P2\n# a comment\n3 2\n255\n0 128 255\n1 2 3\n";
  std::ofstream(images / "text.ppm") << "P3 2 1 65535 0 1 2 65535 4 5\n";
  fs::remove_all(dataset);
}

void write_embeddings(const fs::path& out) {
  visage::eval::EmbeddingTable table(4);
  table.add("Abel_Pacheco/Abel_Pacheco_0001.jpg", std::vector<float>{0.5f, -0.5f, 0.5f, -0.5f});
  table.add("Abel_Pacheco/Abel_Pacheco_0004.jpg", std::vector<float>{0.1f, 0.2f, 0.3f, 0.9f});
  table.add("Al_Gore/Al_Gore_0002.jpg", std::vector<float>{1.0f, 0.0f, 0.0f, 0.0f});
  fs::create_directories(out / "embeddings");
  visage::eval::write_embeddings(table, {"deploy.prototxt", "weights.h5", "images", true},
                                 (out / "embeddings" / "embeddings.h5").string());
}

void write_snapshot(const fs::path& out) {
  fs::create_directories(out / "snapshot");
  visage::Context ctx = visage::Context::cpu();
  visage::Solver solver(visage::fuzz::tiny_solver_param((out / "snapshot" / "tiny").string()), ctx,
                        visage::fuzz::quiet_options());
  solver.step(2);
  static_cast<void>(solver.snapshot());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: visage_fuzz_seeds OUT_FOLDER\n");
    return 2;
  }
  try {
    const fs::path out = argv[1];
    write_images_and_pairs(out);
    write_embeddings(out);
    write_snapshot(out);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "visage_fuzz_seeds: %s\n", e.what());
    return 1;
  }
  return 0;
}
