// `visage plot`: training curves from the JSON-lines logs of `visage train`, as SVG, or as PNG
// through librsvg's `rsvg-convert`.
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <iostream>

#include "core/config.hpp"
#include "core/error.hpp"
#include "eval/svg_chart.hpp"
#include "solvers/training_curves.hpp"
#include "tools/external_program.hpp"
#include "tools/options.hpp"
#include "tools/svg_to_png.hpp"

namespace visage::tools {

int run_plot(Args args) {
  Options options(
      "plot",
      "Plots training curves from the JSON-lines progress logs that `visage train` writes "
      "(<snapshot_prefix>_log.jsonl): the training loss (a centred moving average over the raw "
      "values, drawn faint), the learning rate (on a log axis when most of it is small next to "
      "its start), throughput, verification accuracy and VAL@FAR when the run verified, test-net "
      "outputs, and the train net's other outputs such as triplet mining statistics. Several "
      "logs are drawn as one series each, labelled by file name, to compare runs. Writes SVG with "
      "real text, or PNG converted from it by librsvg's `rsvg-convert` (Debian/Ubuntu package: "
      "librsvg2-bin).");
  options.positionals("LOG.jsonl", "progress logs of `visage train`")
      .value("out", "FILE", "FILE.svg or FILE.png (required)")
      .value("smooth", "N",
             "train lines averaged into each point of the loss curve (1: as logged; default: a "
             "twentieth of the log)")
      .value("columns", "N", "panels side by side", "2");
  if (!options.parse(args)) return 0;
  VISAGE_CHECK(options.has("out"), "--out is required\n\n", options.usage());
  const std::filesystem::path out = options.get("out");
  std::string format = out.extension().string();
  std::ranges::transform(format, format.begin(), [](unsigned char c) { return std::tolower(c); });
  VISAGE_CHECK(format == ".svg" || format == ".png", "--out ", out.string(),
               ": expected a .svg or .png file");
  // Before reading the logs, so that a missing converter is the first thing said.
  const std::filesystem::path converter =
      format == ".png" ? find_svg_converter(out) : std::filesystem::path();

  CurveOptions curves;
  if (options.has("smooth")) {
    curves.smooth = options.get_int("smooth");
    VISAGE_CHECK(curves.smooth >= 1, "--smooth ", curves.smooth, ": expected 1 or more");
  }
  std::vector<TrainingLog> logs;
  for (const std::string& path : options.positional_values())
    logs.push_back(read_training_log(path));
  eval::Figure figure = training_curves(logs, curves);
  figure.columns = options.get_int("columns");
  VISAGE_CHECK(figure.columns >= 1, "--columns ", figure.columns, ": expected 1 or more");
  const std::string svg = eval::render_svg(figure);

  if (out.has_parent_path()) std::filesystem::create_directories(out.parent_path());
  if (format == ".svg") {
    write_file(out.string(), svg);
  } else {
    const TemporaryFile svg_file(std::filesystem::temp_directory_path() /
                                 concat("visage_plot_", ::getpid(), ".svg"));
    write_file(svg_file.path().string(), svg);
    convert_svg_to_png(converter, svg_file.path(), out);
  }
  std::cout << "visage plot: wrote " << out.string() << " (" << figure.panels.size()
            << " panels)\n";
  return 0;
}

}  // namespace visage::tools
