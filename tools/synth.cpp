// `visage synth`: writes synthetic faces to disk as an identity-folder dataset with an LFW-style
// pairs file, or as a contact sheet for looking at them.
#include <chrono>
#include <iomanip>
#include <iostream>

#include "core/error.hpp"
#include "datasets/synthetic_face_files.hpp"
#include "synthetic/dataset.hpp"
#include "tools/options.hpp"

namespace visage::tools {
namespace {

int positive(const Options& options, const std::string& name, int minimum = 1) {
  const int value = options.get_int(name);
  VISAGE_CHECK(value >= minimum, "--", name, " must be >= ", minimum, ", got ", value);
  return value;
}

synthetic::SyntheticDatasetSpec read_spec(const Options& options) {
  VISAGE_CHECK(options.has("identities") && options.has("per-identity"),
               "--identities and --per-identity are required\n\n", options.usage());
  synthetic::SyntheticDatasetSpec spec;
  spec.face.seed = static_cast<uint64_t>(positive(options, "seed", 0));
  spec.face.size = positive(options, "size", 8);
  spec.face.channels = positive(options, "channels");
  const auto strength = static_cast<float>(options.get_double("nuisance"));
  VISAGE_CHECK(strength >= 0, "--nuisance must be >= 0");
  spec.face.nuisance = {strength, strength, strength, strength, strength, strength};
  synthetic::check_synthetic_face_config(spec.face);
  spec.first_identity = positive(options, "first-identity", 0);
  spec.identities = positive(options, "identities");
  spec.images_per_identity = positive(options, "per-identity");
  spec.folds = positive(options, "folds");
  spec.pairs_per_fold = positive(options, "pairs", 0);
  return spec;
}

void write_dataset(const synthetic::SyntheticDatasetSpec& spec, const std::filesystem::path& root) {
  const auto start = std::chrono::steady_clock::now();
  const int step = std::max(1, spec.identities / 20);
  std::cout << "visage synth: writing " << spec.identities << " identities x "
            << spec.images_per_identity << " images of " << spec.face.size << "x" << spec.face.size
            << " to " << root.string() << "\n";
  data::write_synthetic_dataset(spec, root, [&](int done) {
    if (done % step != 0 && done != spec.identities) return;
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double eta = seconds / done * (spec.identities - done);
    std::cout << "  " << std::setw(6) << done << "/" << spec.identities << " identities  "
              << std::fixed << std::setprecision(1) << seconds << " s  (eta " << eta << " s)"
              << std::endl;
  });
  if (spec.pairs_per_fold > 0) {
    std::cout << "visage synth: " << (root / "pairs.txt").string() << ": " << spec.folds
              << " folds x (" << spec.pairs_per_fold << " matched + " << spec.pairs_per_fold
              << " mismatched) pairs\n";
  }
}

}  // namespace

int run_synth(Args args) {
  Options options("synth",
                  "Writes procedurally generated faces: DIR/<identity>/<identity>_<NNNN>.png for "
                  "each identity and image (numbered from 1), and DIR/pairs.txt in LFW's View 2 "
                  "format over identity-disjoint folds, so that `visage verify` can evaluate on "
                  "them. The same seed, identity and image number give the same pixels on every "
                  "machine. With --sheet, also writes one PNG with a row per identity.");
  options.value("identities", "N", "number of identities")
      .value("per-identity", "K", "images per identity")
      .value("out", "DIR", "output folder (created if needed)")
      .value("size", "S", "image size in pixels", "64")
      .value("channels", "C", "3 (RGB) or 1 (grey)", "3")
      .value("seed", "X", "generator seed", "1")
      .value("first-identity", "I",
             "first identity number; use disjoint ranges for "
             "training and evaluation sets",
             "0")
      .value("pairs", "P", "matched (and as many mismatched) pairs per fold; 0: no pairs file",
             "300")
      .value("folds", "F", "identity-disjoint folds of the pairs file", "10")
      .value("nuisance", "X", "strength of all nuisance (0: frontal, clean faces)", "1")
      .value("sheet", "FILE.png", "write a contact sheet of the identities x images");
  if (!options.parse(args)) return 0;

  const synthetic::SyntheticDatasetSpec spec = read_spec(options);
  VISAGE_CHECK(options.has("out") || options.has("sheet"),
               "give --out DIR (a dataset), --sheet FILE.png (a contact sheet) or "
               "both\n\n",
               options.usage());
  if (options.has("sheet")) {
    data::write_face_png(synthetic::contact_sheet(spec.face, spec.first_identity, spec.identities,
                                                  spec.images_per_identity),
                         options.get("sheet"));
    std::cout << "visage synth: contact sheet " << options.get("sheet") << "\n";
  }
  if (options.has("out")) write_dataset(spec, options.get("out"));
  return 0;
}

}  // namespace visage::tools
