#include "tools/experiment_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <limits>
#include <set>
#include <sstream>
#include <thread>

#include "core/config.hpp"
#include "core/error.hpp"
#include "eval/number_format.hpp"
#include "eval/svg_chart.hpp"
#include "solvers/progress.hpp"
#include "tools/net_table.hpp"
#include "tools/svg_to_png.hpp"

namespace visage::tools {
namespace {

namespace fs = std::filesystem;

std::string cell(const Measurement& m) {
  std::string text = eval::fixed(m.value, 2);
  if (m.standard_error) text += " ± " + eval::fixed(*m.standard_error, 2);
  return text;
}

// A CSV field: quoted when it holds a separator, a quote or a line break.
std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (const char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

// Markdown table cells may not hold a bar or a line break.
std::string md_cell(const std::string& text) {
  std::string out;
  for (const char c : text)
    out += c == '|' ? std::string("\\|") : c == '\n' ? " " : std::string(1, c);
  return out;
}

std::vector<proto::ExperimentMetric> metrics_of(const ExperimentSpec& spec) {
  std::vector<proto::ExperimentMetric> metrics;
  for (const int number : spec.param.metric()) {
    metrics.push_back(static_cast<proto::ExperimentMetric>(number));
  }
  return metrics;
}

proto::ExperimentMetric compared_metric(const ExperimentSpec& spec) {
  return spec.param.has_paper_metric() ? spec.param.paper_metric()
                                       : static_cast<proto::ExperimentMetric>(spec.param.metric(0));
}

std::string heldout_text(const proto::ExperimentHeldout& h) {
  return concat(h.identities(), " synthetic identities x ", h.per_identity(), " images of ",
                h.size(), "x", h.size(), " pixels (identities ", h.first_identity(), " on, seed ",
                h.seed(), "), never trained on; ", h.folds(), " identity-disjoint folds of ",
                h.pairs(), " matched + ", h.pairs(),
                " mismatched pairs; accuracy is the mean ± SE ",
                "over the folds with cross-validated thresholds, VAL the mean ± SE over ",
                h.splits(), " splits of ", h.folds() / h.splits(), " folds",
                h.flip() ? "; embeddings averaged with the mirror image's" : "");
}

// The shape of a column, with its standard errors (0 where it has none): strictly rising or
// falling, rising or falling but for steps within one standard error, or where it is best, with
// the rows that are within one standard error of the best.
struct Trend {
  enum class Shape { kRises, kFalls, kOther };
  Shape shape = Shape::kOther;
  bool up_to_noise = false;
  size_t best = 0;
  std::vector<size_t> near_best;  // rows within one standard error of the best, the best included
  std::string text;
};

Trend trend_of(const std::vector<double>& values, const std::vector<double>& errors,
               const std::vector<std::string>& names, bool higher_is_better) {
  Trend trend;
  const auto noise = [&](size_t a, size_t b) { return std::max(errors[a], errors[b]); };
  for (const int direction : {1, -1}) {
    bool strict = true, loose = true, significant = false;
    for (size_t i = 1; i < values.size(); ++i) {
      const double step = direction * (values[i] - values[i - 1]);
      strict = strict && step > 0;
      loose = loose && (step > 0 || -step <= noise(i, i - 1));
      significant = significant || step > noise(i, i - 1);
    }
    if (values.size() > 1 && (strict || (loose && significant))) {
      trend.shape = direction > 0 ? Trend::Shape::kRises : Trend::Shape::kFalls;
      trend.up_to_noise = !strict;
      trend.text = concat(direction > 0 ? "rises" : "falls", " at every step",
                          strict ? "" : " but for steps within one standard error");
    }
  }
  trend.best =
      static_cast<size_t>((higher_is_better ? std::max_element(values.begin(), values.end())
                                            : std::min_element(values.begin(), values.end())) -
                          values.begin());
  std::string others;
  for (size_t i = 0; i < values.size(); ++i) {
    if (std::abs(values[i] - values[trend.best]) > noise(i, trend.best)) continue;
    trend.near_best.push_back(i);
    if (i != trend.best) others += (others.empty() ? "" : ", ") + names[i];
  }
  if (trend.shape == Trend::Shape::kOther && values.size() > 1 &&
      trend.near_best.size() == values.size()) {
    trend.text =
        concat("best at ", names[trend.best], ", but every row is within one standard error of it");
  } else if (trend.shape == Trend::Shape::kOther) {
    trend.text = concat(
        "best at ", names[trend.best],
        others.empty() ? std::string() : concat(" (", others, " within one standard error of it)"));
  }
  return trend;
}

// Whether our column has the paper's shape: the same direction, or the paper's best among the
// rows within one standard error of ours.
bool same_shape(const Trend& paper, const Trend& ours) {
  if (paper.shape != Trend::Shape::kOther) return ours.shape == paper.shape;
  return std::find(ours.near_best.begin(), ours.near_best.end(), paper.best) !=
         ours.near_best.end();
}

std::string trend_paragraph(const ExperimentSpec& spec, const ExperimentResults& results) {
  const proto::ExperimentMetric metric = compared_metric(spec);
  std::vector<double> ours, errors, paper, ours_there, errors_there;
  std::vector<std::string> names, paper_names;
  for (const auto& v : results.variants) {
    const auto found = v.measured.find(metric);
    if (found == v.measured.end()) continue;
    ours.push_back(found->second.value);
    errors.push_back(found->second.standard_error.value_or(0.0));
    names.push_back(v.plan.variant.name());
    const double p = paper_value(v.plan.variant.paper());
    if (std::isfinite(p)) {
      paper.push_back(p);
      ours_there.push_back(ours.back());
      errors_there.push_back(errors.back());
      paper_names.push_back(v.plan.variant.name());
    }
  }
  if (ours.size() < 2) return {};
  // The spec names which of our metrics the paper's column measures, so "better" points the
  // same way in both.
  const bool higher = higher_is_better(metric);
  std::string text = concat("**Trend.** Ours (", metric_heading(metric, spec.heldout),
                            "): ", trend_of(ours, errors, names, higher).text, ".");
  if (paper.size() >= 2) {
    // The paper's standard errors are not compared: its column is the reference shape.
    const Trend theirs =
        trend_of(paper, std::vector<double>(paper.size(), 0.0), paper_names, higher);
    const Trend ours_on_their_rows = trend_of(ours_there, errors_there, paper_names, higher);
    text += paper.size() == ours.size()
                ? concat(" The paper's: ", theirs.text, ".")
                : concat(" On the rows the paper has, the paper's ", theirs.text, ", and ours ",
                         ours_on_their_rows.text, ".");
    const bool flat = ours_on_their_rows.shape == Trend::Shape::kOther &&
                      ours_on_their_rows.near_best.size() == ours_there.size();
    text += flat ? " Within our standard errors the table neither confirms nor contradicts the "
                   "paper's shape."
            : same_shape(theirs, ours_on_their_rows)
                ? " The shapes agree."
                : " The shapes differ (docs/experiments.md discusses why for the committed "
                  "tables).";
  }
  return text;
}

eval::Figure make_figure(const ExperimentSpec& spec, const ExperimentResults& results) {
  const proto::ExperimentMetric metric = compared_metric(spec);
  eval::Panel panel;
  panel.x.title =
      spec.param.plot_x_title().empty() ? spec.param.variable() : spec.param.plot_x_title();
  panel.x.scale = spec.param.plot_x_log() ? eval::Scale::kLog : eval::Scale::kLinear;
  panel.y.title = metric_heading(metric, spec.heldout);
  eval::Series ours, paper;
  ours.name = "ours";
  ours.label = "Visage (this table)";
  ours.color = eval::series_color(0);
  paper.name = "paper";
  paper.label = concat("paper: ", spec.param.paper_column());
  paper.color = eval::series_color(1);
  ours.dots = paper.dots = true;
  paper.dasharray = "6 4";
  for (const auto& v : results.variants) {
    const auto found = v.measured.find(metric);
    if (found != v.measured.end()) {
      ours.x.push_back(v.plan.variant.x());
      ours.y.push_back(found->second.value);
    }
    const double p = paper_value(v.plan.variant.paper());
    if (std::isfinite(p)) {
      paper.x.push_back(v.plan.variant.x());
      paper.y.push_back(p);
    }
  }
  // Lines run from left to right whatever the variants' order; Figure 4's points are networks,
  // so each of ours is labelled.
  for (eval::Series* series : {&ours, &paper}) {
    std::vector<size_t> order(series->x.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return series->x[a] < series->x[b]; });
    eval::Series sorted = *series;
    for (size_t i = 0; i < order.size(); ++i) {
      sorted.x[i] = series->x[order[i]];
      sorted.y[i] = series->y[order[i]];
    }
    *series = std::move(sorted);
  }
  if (spec.param.x_is_multiply_adds()) {
    for (const auto& v : results.variants) {
      const auto found = v.measured.find(metric);
      if (found == v.measured.end()) continue;
      const std::string& name = v.plan.variant.name();
      panel.markers.push_back({v.plan.variant.x(), found->second.value,
                               name.substr(0, name.find(' ')), eval::series_color(0)});
    }
  }
  panel.series = {ours, paper};
  eval::Figure figure;
  figure.title = spec.param.title();
  figure.panels = {panel};
  figure.panel_width = 560;
  figure.panel_height = 360;
  return figure;
}

}  // namespace

std::string describe_machine() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line, model = "unknown CPU";
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("model name", 0) != 0) continue;
    const size_t colon = line.find(':');
    if (colon != std::string::npos) model = line.substr(line.find_first_not_of(' ', colon + 1));
    break;
  }
  return concat(model, ", ", std::max(1u, std::thread::hardware_concurrency()), " cores");
}

double paper_value(const std::string& entry) {
  const char* begin = entry.c_str();
  char* end = nullptr;
  const double value = std::strtod(begin, &end);
  return end == begin ? std::numeric_limits<double>::quiet_NaN() : value;
}

std::vector<fs::path> write_experiment_results(const ExperimentSpec& spec,
                                               const ExperimentResults& results,
                                               const fs::path& folder) {
  fs::create_directories(folder);
  const proto::Experiment& p = spec.param;
  const std::vector<proto::ExperimentMetric> metrics = metrics_of(spec);
  std::vector<fs::path> written;

  // Each run once: variants sharing a run, and ensembles, add no training time of their own.
  double training_total = 0.0;
  std::set<std::string> runs;
  for (const auto& v : results.variants) {
    if (!v.plan.is_ensemble() && runs.insert(v.plan.run_id).second) {
      training_total += v.training_seconds;
    }
  }
  std::vector<std::string> budgets;
  for (const auto& v : results.variants) {
    if (v.plan.is_ensemble()) continue;
    const std::string budget = describe_budget(v.plan.solver);
    if (std::find(budgets.begin(), budgets.end(), budget) == budgets.end())
      budgets.push_back(budget);
  }

  std::ostringstream md;
  md << "# " << p.title() << "\n\n";
  md << "Generated by `" << results.command
     << "`; do not edit (docs/experiments.md discusses it).\n\n";
  if (!p.source().empty()) md << p.source() << "\n\n";
  if (!p.description().empty()) md << p.description() << "\n\n";
  md << "- **Scale:** " << spec.scale.name();
  if (!spec.scale.description().empty()) md << ": " << spec.scale.description();
  md << ". Each variant trained for ";
  for (size_t i = 0; i < budgets.size(); ++i) md << (i > 0 ? " or " : "") << budgets[i];
  md << ".\n";
  if (spec.needs_heldout)
    md << "- **Held-out identities:** " << heldout_text(spec.heldout) << ".\n";
  if (spec.needs_classification) {
    md << "- **Classification error:** the train net's TEST phase (held-out images of the "
          "training identities), "
       << spec.scale.test_batches() << " batches.\n";
  }
  md << "- **Machine:** " << describe_machine() << "; training " << format_duration(training_total)
     << " in all (" << runs.size() << (runs.size() == 1 ? " run" : " runs") << " for "
     << results.variants.size() << " variants), this command "
     << format_duration(results.wall_seconds) << ".\n\n";

  const bool macs = p.x_is_multiply_adds();
  md << "| " << md_cell(p.variable().empty() ? "variant" : p.variable()) << " |"
     << (macs ? " multiply-adds |" : "") << " paper: " << md_cell(p.paper_column()) << " |";
  for (const auto metric : metrics) md << " " << metric_heading(metric, spec.heldout) << " |";
  md << " training | run |\n|---|---|" << (macs ? "---|" : "");
  for (size_t i = 0; i < metrics.size(); ++i) md << "---|";
  md << "---|---|\n";
  std::vector<std::string> notes;
  for (const auto& v : results.variants) {
    md << "| " << md_cell(v.plan.variant.name()) << " | "
       << (macs ? format_count(static_cast<int64_t>(v.plan.variant.x())) + " | " : "")
       << md_cell(v.plan.variant.paper().empty() ? "-" : v.plan.variant.paper()) << " |";
    for (const auto metric : metrics) {
      const auto found = v.measured.find(metric);
      md << " " << (found == v.measured.end() ? std::string("-") : cell(found->second)) << " |";
      if (found != v.measured.end() && !found->second.note.empty()) {
        notes.push_back(concat(v.plan.variant.name(), ": ", found->second.note));
      }
    }
    md << " " << format_duration(v.training_seconds) << " | "
       << (v.plan.is_ensemble() ? std::string("its members'") : concat("`", v.plan.run_id, "`"))
       << " |\n";
  }
  md << "\n";
  const std::string trend = trend_paragraph(spec, results);
  if (!trend.empty()) md << trend << "\n\n";
  for (const auto& note : notes) md << "- Note, " << note << ".\n";
  if (!notes.empty()) md << "\n";
  if (p.plot()) md << "![the plot](" << p.name() << ".svg)\n";

  const fs::path md_file = folder / (p.name() + ".md");
  write_file(md_file.string(), md.str());
  written.push_back(md_file);

  std::ostringstream csv;
  csv << "variant,x,paper";
  for (const auto metric : metrics) {
    const std::string name = proto::ExperimentMetric_Name(metric);
    csv << "," << name << "," << name << "_se";
  }
  csv << ",training_s,run\n";
  for (const auto& v : results.variants) {
    csv << csv_field(v.plan.variant.name()) << ","
        << (v.plan.variant.has_x() ? eval::round_trip(v.plan.variant.x()) : "") << ","
        << csv_field(v.plan.variant.paper());
    for (const auto metric : metrics) {
      const auto found = v.measured.find(metric);
      if (found == v.measured.end()) {
        csv << ",,";
        continue;
      }
      csv << "," << eval::round_trip(found->second.value) << ","
          << (found->second.standard_error ? eval::round_trip(*found->second.standard_error) : "");
    }
    csv << "," << eval::fixed(v.training_seconds, 1) << ","
        << (v.plan.is_ensemble() ? std::string("ensemble") : v.plan.run_id) << "\n";
  }
  const fs::path csv_file = folder / (p.name() + ".csv");
  write_file(csv_file.string(), csv.str());
  written.push_back(csv_file);

  if (p.plot()) {
    const fs::path svg = folder / (p.name() + ".svg");
    write_file(svg.string(), eval::render_svg(make_figure(spec, results)));
    written.push_back(svg);
    const fs::path png = folder / (p.name() + ".png");
    try {
      convert_svg_to_png(find_svg_converter(png), svg, png);
      written.push_back(png);
    } catch (const Error& e) {
      std::cerr << "experiment: warning: " << e.what() << "\n";
    }
  }
  return written;
}

}  // namespace visage::tools
