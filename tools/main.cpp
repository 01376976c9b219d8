// `visage`: the command line of the framework. Dispatches to one subcommand; every error reaches
// the user as one message (never a core dump) and a non-zero exit code.
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "tools/blas_environment.hpp"
#include "tools/command.hpp"

namespace {

struct Command {
  const char* name;
  int (*run)(visage::tools::Args);
  const char* summary;
};

constexpr Command kCommands[] = {
    {"train", visage::tools::run_train, "train a network from a solver prototxt (resumable)"},
    {"test", visage::tools::run_test, "evaluate trained weights: mean of each net output"},
    {"time", visage::tools::run_time, "time forward and backward, per layer and in total"},
    {"summary", visage::tools::run_summary, "per-layer table of shapes, parameters and FLOPs"},
    {"draw", visage::tools::run_draw, "the network's graph as Graphviz DOT, SVG or PNG"},
    {"embed", visage::tools::run_embed, "embeddings of images with a trained network"},
    {"verify", visage::tools::run_verify,
     "LFW-protocol verification: 10-fold accuracy, ROC, VAL@FAR"},
    {"fit-metric", visage::tools::run_fit_metric,
     "fit PCA-whitening + LDA on labelled embeddings, for verify --metric"},
    {"plot", visage::tools::run_plot, "training curves from `visage train` logs, as SVG or PNG"},
    {"device-query", visage::tools::run_device_query, "GPU, driver, CUDA, cuDNN and NCCL versions"},
    {"synth", visage::tools::run_synth, "write synthetic faces: identity folders and a pairs file"},
    {"export", visage::tools::run_export, "a trained network as an ONNX model (--onnx)"},
    {"experiment", visage::tools::run_experiment,
     "reproduce a paper's ablation table from experiments/<name>.prototxt"},
};

void print_usage(std::ostream& out) {
  out << "usage: visage <command> [options]   (visage <command> --help for details)\n\n"
         "Visage " VISAGE_VERSION
         ": train and evaluate face-recognition networks (DeepFace, FaceNet) from prototxt "
         "configs.\n\n"
         "commands:\n";
  for (const Command& c : kCommands) {
    std::string name = c.name;
    name.resize(16, ' ');
    out << "  " << name << c.summary << "\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  visage::tools::configure_openblas(argv);
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0 ||
      std::strcmp(argv[1], "help") == 0) {
    print_usage(argc < 2 ? std::cerr : std::cout);
    return argc < 2 ? 2 : 0;
  }
  if (std::strcmp(argv[1], "--version") == 0) {
    std::cout << "visage " VISAGE_VERSION "\n";
    return 0;
  }
  const std::vector<std::string> args(argv + 2, argv + argc);
  for (const Command& c : kCommands) {
    if (argv[1] != std::string(c.name)) continue;
    try {
      return c.run(args);
    } catch (const visage::Error& e) {
      std::cerr << "visage " << c.name << ": error: " << e.what() << "\n";
      return 1;
    } catch (const std::bad_alloc&) {
      std::cerr << "visage " << c.name << ": error: out of memory\n";
      return 1;
    } catch (const std::filesystem::filesystem_error& e) {
      // A path the operating system refused (too long, no permission, a loop of links): the
      // path and the system's reason are all the user needs.
      std::cerr << "visage " << c.name << ": error: " << e.path1().string() << ": "
                << e.code().message() << "\n";
      return 1;
    } catch (const std::exception& e) {
      std::cerr << "visage " << c.name << ": internal error: " << e.what() << "\n";
      return 1;
    }
  }
  std::cerr << "visage: unknown command '" << argv[1] << "'\n\n";
  print_usage(std::cerr);
  return 2;
}
