// `visage draw`: a network's graph as Graphviz DOT, or rendered to SVG/PNG/PDF by Graphviz's `dot`.
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "core/config.hpp"
#include "core/error.hpp"
#include "solvers/builtin_layers.hpp"
#include "tools/external_program.hpp"
#include "tools/net_graph.hpp"
#include "tools/options.hpp"

namespace visage::tools {
namespace {

namespace fs = std::filesystem;

std::string lower(std::string text) {
  std::ranges::transform(text, text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

proto::Phase parse_phase(const std::string& phase) {
  const std::string p = lower(phase);
  VISAGE_CHECK(p == "train" || p == "test", "--phase ", phase, ": expected TRAIN or TEST");
  return p == "train" ? proto::TRAIN : proto::TEST;
}

// Graphviz's `dot` on PATH, or an error that says how to get it.
fs::path find_dot(const fs::path& out) {
  const auto dot = find_on_path("dot");
  VISAGE_CHECK(dot.has_value(), "rendering ", out.string(),
               " needs Graphviz's `dot`, which is not installed (not on PATH): install Graphviz "
               "(Debian/Ubuntu: sudo apt-get install graphviz), or write DOT with --out ",
               fs::path(out).replace_extension(".dot").string());
  return *dot;
}

// Runs `dot -T<format> -o out in.dot`; dot's own messages go to the user's terminal.
void render(const fs::path& dot, const std::string& dot_text, const std::string& format,
            const fs::path& out) {
  const TemporaryFile input(fs::temp_directory_path() / concat("visage_draw_", ::getpid(), ".dot"));
  write_file(input.path().string(), dot_text);
  run_program({dot.string(), "-T" + format, "-o", out.string(), input.path().string()},
              "rendering " + out.string());
}

}  // namespace

int run_draw(Args args) {
  Options options("draw",
                  "Draws a network as a graph: layers as boxes with their name, type, key "
                  "parameters (conv 64 7x7/2, max 3x3/2, fc 4096, ...) and output size per "
                  "sample; blobs as edges labelled with their size. In-place layers (ReLU, "
                  "Dropout, ...) are folded into the box of the layer they follow as '+ ReLU' "
                  "lines. Writes Graphviz DOT (.dot, .gv), or renders .svg, .png or .pdf with "
                  "Graphviz's `dot` (Debian/Ubuntu package: graphviz). Sizes come from building "
                  "the net; when it cannot be built (a data layer whose dataset is not there, "
                  "say), the graph is drawn without them and the reason is printed.");
  options.positional("NET.prototxt", "the network config")
      .value("out", "FILE", "FILE.dot, FILE.gv, FILE.svg, FILE.png or FILE.pdf (required)")
      .value("phase", "TRAIN|TEST", "which phase's layers to draw", "TEST")
      .value("rankdir", "TB|LR", "top to bottom (TB) or left to right (LR)", "TB")
      .flag("no-fold", "draw in-place layers as boxes of their own instead of folding them");
  if (!options.parse(args)) return 0;
  VISAGE_CHECK(options.has("out"), "--out is required\n\n", options.usage());
  const fs::path out = options.get("out");
  const std::string format = lower(out.extension().string());
  VISAGE_CHECK(format == ".dot" || format == ".gv" || format == ".svg" || format == ".png" ||
                   format == ".pdf",
               "--out ", out.string(), ": expected a .dot, .gv, .svg, .png or .pdf file");

  GraphOptions graph;
  graph.phase = parse_phase(options.get("phase"));
  graph.rankdir = options.get("rankdir");
  VISAGE_CHECK(graph.rankdir == "TB" || graph.rankdir == "LR", "--rankdir ", graph.rankdir,
               ": expected TB or LR");
  graph.fold_in_place = !options.get_flag("no-fold");
  const bool render_with_dot = format != ".dot" && format != ".gv";
  // Before building the net, which can take seconds.
  const fs::path dot_program = render_with_dot ? find_dot(out) : fs::path();

  const NetConfig config = load_net_config(options.positional_value(0));
  Context ctx = Context::cpu();
  std::unique_ptr<Net> net;
  try {
    NetOptions net_options;
    net_options.phase = graph.phase;
    net = std::make_unique<Net>(config, net_options, ctx, builtin_layers());
  } catch (const Error& e) {
    std::cerr << "visage draw: drawing without sizes: the net cannot be built: " << e.what()
              << "\n";
  }
  const std::string dot = net_to_dot(config, net.get(), graph);
  if (render_with_dot) {
    render(dot_program, dot, format.substr(1), out);
  } else {
    write_file(fs::path(out).string(), dot);
  }
  std::cout << "visage draw: wrote " << out.string() << "\n";
  return 0;
}

}  // namespace visage::tools
